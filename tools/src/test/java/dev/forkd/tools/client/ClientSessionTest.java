package dev.forkd.tools.client;

import static dev.forkd.tools.client.Sessions.lines;
import static dev.forkd.tools.client.Sessions.runAsync;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.forkd.it.FramedServer;
import dev.forkd.shared.framing.Framing;
import java.io.InputStream;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The client's framed paths, in process, against an in-test server that speaks the shared codecs. */
class ClientSessionTest {
    private static final Duration WAIT = Duration.ofSeconds(20);

    private final Transcript out = new Transcript();
    private final Transcript err = new Transcript();

    private ClientSession session(int port, Framing framing, int fixedSize, Duration heartbeat, InputStream stdin) {
        return new ClientSession(ServerAddress.parse("127.0.0.1:" + port), framing, 1 << 20, fixedSize, heartbeat, stdin,
                out.printWriter(), err.printWriter());
    }

    @ParameterizedTest
    @CsvSource({"LINE, 0", "LENGTH, 0", "FIXED, 16"})
    void printsRepliesButNotPongsAndPingsWhileIdle(Framing framing, int fixedSize) throws Exception {
        PipedOutputStream typing = new PipedOutputStream();
        try (FramedServer server = FramedServer.start(framing, fixedSize, FramedServer.Reply.UPPER, -1);
                PipedInputStream stdin = new PipedInputStream(typing)) {
            CompletableFuture<Long> done = runAsync(session(server.port(), framing, fixedSize, Duration.ofMillis(100), stdin));
            typing.write("hello\n".getBytes(StandardCharsets.UTF_8));
            typing.flush();
            out.await(t -> t.equals("HELLO\n"), "HELLO", WAIT);

            assertTrue(server.awaitPings(2, WAIT), "pings arrive every --heartbeat while the user is idle");
            // the server answered those pings before this line, and the client prints in order:
            // had a pong been printed, it would show before WORLD
            typing.write("world\n".getBytes(StandardCharsets.UTF_8));
            typing.flush();
            out.await(t -> t.contains("WORLD"), "WORLD", WAIT);
            typing.close();

            assertEquals(0L, done.get(WAIT.toSeconds(), TimeUnit.SECONDS), "exits 0 on end of input after the last reply");
            assertEquals("HELLO\nWORLD\n", out.text());
            assertEquals("", err.text());
        }
    }

    @Test
    void waitsForEveryReplyBeforeEnding() throws Exception {
        try (FramedServer server = FramedServer.start(Framing.LENGTH)) {
            StringBuilder in = new StringBuilder();
            StringBuilder expected = new StringBuilder();
            for (int i = 0; i < 500; i++) {
                in.append("message ").append(i).append('\n');
                expected.append("MESSAGE ").append(i).append('\n');
            }
            // stdin ends at once; the replies are still on their way
            long skipped = runAsync(session(server.port(), Framing.LENGTH, 0, Duration.ZERO, lines(in.toString())))
                    .get(WAIT.toSeconds(), TimeUnit.SECONDS);
            assertEquals(0, skipped);
            assertEquals(expected.toString(), out.text());
            assertEquals(0, server.pings(), "--heartbeat 0 sends none");
        }
    }

    @Test
    void aLineThatIsAPingGetsItsPongPrinted() throws Exception {
        try (FramedServer server = FramedServer.start(Framing.LINE)) {
            // heartbeats run too: their pongs are alike, and exactly one pong is printed
            long skipped = runAsync(session(server.port(), Framing.LINE, 0, Duration.ofMillis(1),
                    lines("{\"type\":\"ping\"}\nhello\n"))).get(WAIT.toSeconds(), TimeUnit.SECONDS);
            assertEquals(0, skipped);
            assertEquals("{\"type\":\"pong\"}\nHELLO\n", out.text());
        }
    }

    @Test
    void emptyLinesAreMessagesToo() throws Exception {
        try (FramedServer server = FramedServer.start(Framing.LENGTH)) {
            runAsync(session(server.port(), Framing.LENGTH, 0, Duration.ZERO, lines("a\n\r\nb"))).get(WAIT.toSeconds(), TimeUnit.SECONDS);
            assertEquals("A\n\nB\n", out.text(), "an empty line, a CRLF line, and a last line without a newline");
        }
    }

    @Test
    void fixedFramingPadsShortLinesAndRefusesLongOnes() throws Exception {
        try (FramedServer server = FramedServer.start(Framing.FIXED, 8, FramedServer.Reply.UPPER, -1)) {
            long skipped = runAsync(session(server.port(), Framing.FIXED, 8, Duration.ofSeconds(30), lines("abc\nmuch too long\nxyz12345\n")))
                    .get(WAIT.toSeconds(), TimeUnit.SECONDS);
            assertEquals(1, skipped);
            assertEquals("ABC\nXYZ12345\n", out.text(), "the padding of a reply is not printed");
            assertEquals("forkd client: line 2 not sent: 13 bytes do not fit a 8-byte record (--fixed-size)\n", err.text());
            assertEquals(2, server.frames());
        }
    }

    @Test
    void anErrorReplyIsPrintedLikeAnyOther() throws Exception {
        try (FramedServer server = FramedServer.start(Framing.LINE, 0, FramedServer.Reply.ERROR, -1)) {
            runAsync(session(server.port(), Framing.LINE, 0, Duration.ZERO, lines("x\n"))).get(WAIT.toSeconds(), TimeUnit.SECONDS);
            assertEquals("{\"type\":\"error\",\"message\":\"this server only complains\"}\n", out.text());
        }
    }

    @Test
    void serverClosingBeforeTheLastReplyIsAFailure() throws Exception {
        try (FramedServer server = FramedServer.start(Framing.LINE, 0, FramedServer.Reply.UPPER, 1);
                PipedOutputStream typing = new PipedOutputStream();
                PipedInputStream stdin = new PipedInputStream(typing)) {
            CompletableFuture<Long> done = runAsync(session(server.port(), Framing.LINE, 0, Duration.ZERO, stdin));
            typing.write("one\ntwo\n".getBytes(StandardCharsets.UTF_8));
            typing.flush();
            ExecutionException e = assertThrows(ExecutionException.class, () -> done.get(WAIT.toSeconds(), TimeUnit.SECONDS));
            assertTrue(e.getCause() instanceof ClientSession.ClientFailure, e.toString());
            assertEquals("server closed the connection", e.getCause().getMessage());
            assertEquals("ONE\n", out.text());
        }
    }

    @Test
    void rawModeHalfClosesAndPrintsUntilTheServerCloses() throws Exception {
        try (FramedServer server = FramedServer.start(Framing.RAW)) {
            runAsync(session(server.port(), Framing.RAW, 0, Duration.ofMillis(50), lines("hello\nworld")))
                    .get(WAIT.toSeconds(), TimeUnit.SECONDS);
            assertEquals("HELLO\nWORLD\n", out.text());
            assertEquals(0, server.pings(), "no heartbeat in raw mode: it would be data");
        }
    }

    @Test
    void aServerThatIsNotThereIsAClearFailure() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        ClientSession s = session(port, Framing.LINE, 0, Duration.ZERO, lines("x\n"));
        ClientSession.ClientFailure e = assertThrows(ClientSession.ClientFailure.class, s::run);
        assertEquals("connection to 127.0.0.1:" + port + " refused", e.getMessage());
    }

    @Test
    void aPingThatDoesNotFitTheRecordIsNotSent() throws Exception {
        try (FramedServer server = FramedServer.start(Framing.FIXED, 4, FramedServer.Reply.UPPER, -1)) {
            runAsync(session(server.port(), Framing.FIXED, 4, Duration.ofMillis(10), lines("ab\n"))).get(WAIT.toSeconds(), TimeUnit.SECONDS);
            assertEquals("AB\n", out.text());
            assertEquals(0, server.pings());
        }
    }
}
