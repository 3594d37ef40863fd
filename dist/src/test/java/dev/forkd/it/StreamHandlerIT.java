package dev.forkd.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * StreamHandler, the blocking stream style: handlers written the tutorial's way
 * ({@code handle_client(conn)}: a readLine() loop, DataInputStream frames), compiled here against
 * forkd.jar as a user would, served by real worker JVMs in the models that run them, refused with
 * a reason where they cannot run.
 */
class StreamHandlerIT {
    private static final Duration PROMPTLY = Duration.ofSeconds(10);
    private static final Duration REPLACEMENT = Duration.ofSeconds(60);

    /** The seed's upper-casing server as a StreamHandler, plus a few words for the test: where, pid, boom; "bye" at end of input. */
    static final String UPPER_LINES = "package com.example;\n"
            + "import dev.forkd.api.*;\n"
            + "import java.io.*;\n"
            + "import java.nio.charset.StandardCharsets;\n"
            + "public class UpperLines implements StreamHandler {\n"
            + "  public void handle(StreamConnection c) throws IOException {\n"
            + "    BufferedReader in = new BufferedReader(new InputStreamReader(c.input(), StandardCharsets.UTF_8));\n"
            + "    Writer out = new BufferedWriter(new OutputStreamWriter(c.output(), StandardCharsets.UTF_8));\n"
            + "    String line;\n"
            + "    while ((line = in.readLine()) != null) {\n"
            + "      if (line.equals(\"where\")) {\n"
            + "        out.write(c.clientAddress().getAddress().getHostAddress() + \":\" + c.clientAddress().getPort() + \" -> \"\n"
            + "            + c.localAddress().getPort() + \" tls=\" + c.tls().isPresent() + \"\\n\");\n"
            + "      } else if (line.equals(\"pid\")) {\n"
            + "        out.write(ProcessHandle.current().pid() + \" \" + c.id() + \"\\n\");\n"
            + "      } else if (line.equals(\"boom\")) {\n"
            + "        throw new IllegalStateException(\"boom on request\");\n"
            + "      } else {\n"
            + "        out.write(line.toUpperCase() + \"\\n\");\n"
            + "      }\n"
            + "      out.flush();\n"
            + "    }\n"
            + "    out.write(\"bye\\n\");\n"
            + "    out.flush();\n"
            + "  }\n"
            + "}\n";

    /** A library-style codec: 4-byte big-endian length, then the payload; answers each frame reversed, in the same framing. */
    static final String REVERSE_FRAMES = "package com.example;\n"
            + "import dev.forkd.api.*;\n"
            + "import java.io.*;\n"
            + "public class ReverseFrames implements StreamHandler {\n"
            + "  public void handle(StreamConnection c) throws IOException {\n"
            + "    DataInputStream in = new DataInputStream(c.input());\n"
            + "    DataOutputStream out = new DataOutputStream(new BufferedOutputStream(c.output()));\n"
            + "    while (true) {\n"
            + "      int n;\n"
            + "      try {\n"
            + "        n = in.readInt();\n"
            + "      } catch (EOFException e) {\n"
            + "        out.writeInt(0);\n"
            + "        out.flush();\n"
            + "        return;\n"
            + "      }\n"
            + "      if (n < 0 || n > 1 << 20) {\n"
            + "        throw new IOException(\"frame of \" + n + \" bytes\");\n"
            + "      }\n"
            + "      byte[] p = new byte[n];\n"
            + "      in.readFully(p);\n"
            + "      for (int i = 0; i < n / 2; i++) { byte t = p[i]; p[i] = p[n - 1 - i]; p[n - 1 - i] = t; }\n"
            + "      out.writeInt(n);\n"
            + "      out.write(p);\n"
            + "      out.flush();\n"
            + "    }\n"
            + "  }\n"
            + "}\n";

    private static ForkdProcess serve(String name, Path jar, String className, String... more) throws IOException {
        List<String> args = new ArrayList<>(List.of("--handler", className, "--worker-classpath", jar.toString()));
        args.addAll(List.of(more));
        return ForkdProcess.serve(name, args.toArray(new String[0]));
    }

    /** The worker pid behind {@code c}, from the handler itself. */
    private static long pid(Client c) throws IOException {
        return Long.parseLong(c.ask("pid").split(" ")[0]);
    }

    @ParameterizedTest
    @ValueSource(strings = {"threaded", "prefork"})
    void aReadLineLoopServesLinesHalfClosesAndFailsAloneUnder(String model, @TempDir Path tmp) throws Exception {
        Path jar = HandlerJars.build(tmp, "com.example.UpperLines", UPPER_LINES);
        try (ForkdProcess forkd = serve("stream-lines-" + model, jar, "com.example.UpperLines", "--model", model, "--workers", "2")) {
            int port = forkd.port();
            forkd.awaitCount("worker \\d+ \\(pid \\d+\\) ready", 2, REPLACEMENT);
            try (Client a = new Client(port); Client b = new Client(port)) {
                assertEquals("HELLO, WORLD", a.ask("hello, world"));
                // several lines in one segment, and a line split across two
                a.send("one\ntwo\nthr");
                assertEquals("ONE", a.readLine());
                assertEquals("TWO", a.readLine());
                a.send("ee\n");
                assertEquals("THREE", a.readLine());
                assertEquals("127.0.0.1:" + a.localPort() + " -> " + port + " tls=false", a.ask("where"), "the PROXY header's addresses");
                assertEquals("B", b.ask("b"));

                // the client's half-close: the handler reads end of stream and still answers
                a.send("last words\n");
                a.shutdownOutput();
                assertEquals("LAST WORDS", a.readLine());
                assertEquals("bye", a.readLine());
                assertTrue(a.endsWithin(PROMPTLY), "closed once handle() returned");
                assertEquals("STILL B", b.ask("still b"));
            }

            // a handler that throws closes its own connection only, and is logged once with its id
            try (Client bad = new Client(port); Client good = new Client(port)) {
                assertEquals("GOOD", good.ask("good"));
                String id = bad.ask("pid").split(" ")[1];
                bad.send("boom\n");
                assertTrue(bad.endsWithin(PROMPTLY), "the failing connection is closed");
                assertEquals("GOOD AGAIN", good.ask("good again"), "the other connection carries on");
                forkd.awaitLine("connection " + id + " from 127\\.0\\.0\\.1:" + bad.localPort()
                        + ": handler com\\.example\\.UpperLines failed, closing this connection: java\\.lang\\.IllegalStateException: boom on request", PROMPTLY);
                assertEquals(1, forkd.countLines("handler com\\.example\\.UpperLines failed"), forkd.output());
                assertEquals(0, forkd.countLines("exited unexpectedly"), "no worker died of it:\n" + forkd.output());
            }

            // a worker killed mid-connection takes down only its own connections
            List<Client> open = new ArrayList<>();
            try {
                Client victim = new Client(port);
                open.add(victim);
                long victimPid = pid(victim);
                Client survivor = null;
                // threaded may put several connections on one worker: find one served elsewhere
                for (int i = 0; i < 20 && survivor == null; i++) {
                    Client c = new Client(port);
                    open.add(c);
                    if (pid(c) != victimPid) {
                        survivor = c;
                    }
                }
                assertTrue(survivor != null, "a connection on the other worker");
                assertEquals("MID", victim.ask("mid"));
                ProcessHandle.of(victimPid).orElseThrow().destroyForcibly();
                assertTrue(victim.endsWithin(PROMPTLY), "the killed worker's client sees its connection end");
                assertEquals("UNHARMED", survivor.ask("unharmed"), "a connection on the other worker carries on");
                forkd.awaitLine("\\(pid " + victimPid + "\\) exited unexpectedly \\(killed by signal KILL", PROMPTLY);
                forkd.awaitLine("worker 3 \\(pid \\d+\\) ready", REPLACEMENT);
            } finally {
                for (Client c : open) {
                    c.close();
                }
            }
            try (Client after = new Client(port)) {
                assertEquals("AFTER", after.ask("after"));
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"threaded", "prefork"})
    void lengthPrefixedFramesThroughDataStreamsAndAGracefulStopUnder(String model, @TempDir Path tmp) throws Exception {
        Path jar = HandlerJars.build(tmp, "com.example.ReverseFrames", REVERSE_FRAMES);
        try (ForkdProcess forkd = serve("stream-frames-" + model, jar, "com.example.ReverseFrames", "--model", model, "--workers", "1");
                Client c = new Client(forkd.port())) {
            DataOutputStream out = new DataOutputStream(c.socket.getOutputStream());
            DataInputStream in = new DataInputStream(c.input());
            // two frames in one write, then a frame whose prefix is split, then one larger than the worker's read buffer
            byte[] big = "0123456789".repeat(3000).getBytes(StandardCharsets.US_ASCII);
            out.write(new byte[] {0, 0, 0, 3, 'a', 'b', 'c', 0, 0, 0, 2, 'x', 'y', 0, 0});
            out.flush();
            assertEquals("cba", frame(in));
            assertEquals("yx", frame(in));
            out.write(new byte[] {0, 4, 'a', 'b', 'c', 'd'});
            out.writeInt(big.length);
            out.write(big);
            out.flush();
            assertEquals("dcba", frame(in));
            assertEquals(new StringBuilder(new String(big, StandardCharsets.US_ASCII)).reverse().toString(), frame(in));

            // a graceful stop waits for handle() to return: the conversation goes on until the client ends it
            forkd.signal("TERM");
            forkd.awaitLine("stopping gracefully", PROMPTLY);
            out.write(new byte[] {0, 0, 0, 6, 'd', 'r', 'a', 'i', 'n', 's'});
            out.flush();
            assertEquals("sniard", frame(in));
            assertTrue(forkd.process.isAlive(), "forkd waits for the live stream connection");
            c.shutdownOutput();
            assertEquals(0, in.readInt(), "the end-of-input marker the handler writes after its client's half-close");
            assertTrue(c.endsWithin(PROMPTLY));
            assertEquals(0, forkd.awaitExit(REPLACEMENT), "stopped once handle() returned");
            assertEquals(0, forkd.countLines(" (WARN|ERROR) "), forkd.output());
        }
    }

    private static String frame(DataInputStream in) throws IOException {
        byte[] p = new byte[in.readInt()];
        in.readFully(p);
        return new String(p, StandardCharsets.US_ASCII);
    }

    @Test
    void theIdleTimeoutEndsABlockedReadAndFreesTheWorker(@TempDir Path tmp) throws Exception {
        Path jar = HandlerJars.build(tmp, "com.example.UpperLines", UPPER_LINES);
        try (ForkdProcess forkd = serve("stream-idle", jar, "com.example.UpperLines", "--workers", "1", "--idle-timeout", "2s");
                Client silent = new Client(forkd.port()); Client next = new Client(forkd.port())) {
            assertEquals("FIRST", silent.ask("first"));
            // prefork with one worker: the next client waits until the silent one's handle() returns
            next.send("waiting\n");
            assertTrue(silent.endsWithin(PROMPTLY), "the silent client is closed for --idle-timeout");
            forkd.awaitLine("no byte either way for \\d+ s \\(idle timeout\\); closing", PROMPTLY);
            assertEquals("WAITING", next.readLine(), "the handler's blocked readLine() ended, and the worker took the next client");
        }
    }

    @Test
    void eventedRefusesAStreamHandlerAndTellsTheOperatorWhy(@TempDir Path tmp) throws Exception {
        Path jar = HandlerJars.build(tmp, "com.example.UpperLines", UPPER_LINES);
        try (ForkdProcess forkd = serve("stream-evented", jar, "com.example.UpperLines", "--model", "evented", "--workers", "2")) {
            assertEquals(3, forkd.awaitExit(REPLACEMENT), "exit 3, workers cannot boot: no restart loop");
            String out = forkd.output();
            assertTrue(out.contains("cannot boot: handler com.example.UpperLines is a StreamHandler") && out.contains("use --model threaded"), out);
            assertTrue(out.contains("failed to boot (exit code 3)"), out);
            assertNotEquals(0, forkd.countLines("Not retrying"), out);
        }
    }

    @Test
    void aFramingOtherThanRawIsRefused(@TempDir Path tmp) throws Exception {
        Path jar = HandlerJars.build(tmp, "com.example.UpperLines", UPPER_LINES);
        try (ForkdProcess forkd = serve("stream-framed", jar, "com.example.UpperLines", "--framing", "line", "--workers", "1")) {
            assertEquals(3, forkd.awaitExit(REPLACEMENT));
            assertTrue(forkd.output().contains("use --framing raw (the default), not --framing line"), forkd.output());
        }
    }
}
