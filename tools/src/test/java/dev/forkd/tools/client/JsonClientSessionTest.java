package dev.forkd.tools.client;

import static dev.forkd.tools.client.Sessions.lines;
import static dev.forkd.tools.client.Sessions.runAsync;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.forkd.it.FramedServer;
import dev.forkd.shared.framing.Framing;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** {@code forkd client --framing json}: the interactive JSON client, against in-test servers. */
class JsonClientSessionTest {
    private static final Duration WAIT = Duration.ofSeconds(20);

    private final Transcript out = new Transcript();
    private final Transcript err = new Transcript();

    private ClientSession session(int port, Duration heartbeat, InputStream stdin) {
        return new ClientSession(ServerAddress.parse("127.0.0.1:" + port), Framing.JSON, 1 << 20, 0, heartbeat, stdin,
                out.printWriter(), err.printWriter());
    }

    @Test
    void eachLineIsOneValueSentAsTypedAndTheEndOfInputWaitsForTheServer() throws Exception {
        try (FramedServer server = FramedServer.start(Framing.JSON, 0, FramedServer.Reply.ECHO, -1)) {
            String typed = "{\"type\": \"ping\"}\n"
                    + "{\"text\": \"hi\", \"n\": 1.50}\n"
                    + "\n"
                    + "{\"text\": \"no end\"\n"
                    + "[1] [2]\n"
                    + "  42  \n"
                    + "\"last\"";
            long skipped = runAsync(session(server.port(), Duration.ofMillis(5), lines(typed))).get(WAIT.toSeconds(), TimeUnit.SECONDS);
            assertEquals(2, skipped, "the unfinished value and the line of two");
            // the typed ping's pong is printed; the heartbeats' are not
            assertEquals("{\"type\":\"pong\"}\n{\"text\": \"hi\", \"n\": 1.50}\n42\n\"last\"\n", out.text());
            assertEquals("forkd client: line 4 not sent: not a whole JSON value\n"
                    + "forkd client: line 5 not sent: 2 JSON values on one line: type one per line\n", err.text());
            assertEquals(3, server.frames(), "the blank line sent nothing");
        }
    }

    @Test
    void anInvalidLineIsReportedAndTheSessionGoesOn() throws Exception {
        try (FramedServer server = FramedServer.start(Framing.JSON, 0, FramedServer.Reply.ECHO, -1)) {
            long skipped = runAsync(session(server.port(), Duration.ZERO, lines("{\"a\" 1}\n{\"a\": 1}\n")))
                    .get(WAIT.toSeconds(), TimeUnit.SECONDS);
            assertEquals(1, skipped);
            assertTrue(err.text().startsWith("forkd client: line 1 not sent: invalid JSON at byte 5"), err.text());
            assertEquals("{\"a\": 1}\n", out.text());
        }
    }

    /**
     * A server that talks on its own, as a chat room does: a greeting, then a message whenever the
     * test says, none of them answers to a line.
     */
    @Test
    void valuesThatAnswerNoLineArePrintedAsTheyCome() throws Exception {
        CountDownLatch second = new CountDownLatch(1);
        try (ServerSocket listener = new ServerSocket(0);
                PipedOutputStream typing = new PipedOutputStream();
                PipedInputStream stdin = new PipedInputStream(typing)) {
            CompletableFuture<Void> room = CompletableFuture.runAsync(() -> {
                try (Socket s = listener.accept()) {
                    OutputStream o = s.getOutputStream();
                    // no newline between them: the client cuts values, not lines
                    o.write("{\"type\":\"joined\",\"name\":\"ada\"}{\"type\":\"said\",\"text\":\"hello\"}".getBytes(StandardCharsets.UTF_8));
                    o.flush();
                    second.await();
                    o.write("{\"type\":\"said\",\"text\":\"again\"}\n7".getBytes(StandardCharsets.UTF_8));
                    o.flush();
                    s.getInputStream().transferTo(OutputStream.nullOutputStream()); // until the client half-closes
                } catch (IOException | InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            });
            CompletableFuture<Long> done = runAsync(session(listener.getLocalPort(), Duration.ZERO, stdin));
            // nothing typed yet: the reader thread prints what arrives
            out.await(t -> t.equals("{\"type\":\"joined\",\"name\":\"ada\"}\n{\"type\":\"said\",\"text\":\"hello\"}\n"), "the greeting", WAIT);
            second.countDown();
            out.await(t -> t.endsWith("{\"type\":\"said\",\"text\":\"again\"}\n"), "the second message", WAIT);
            typing.close();
            assertEquals(0L, done.get(WAIT.toSeconds(), TimeUnit.SECONDS), "ends when the server closes after our half-close");
            room.get(WAIT.toSeconds(), TimeUnit.SECONDS);
            assertTrue(out.text().endsWith("again\"}\n7\n"), "the number that ends the stream is printed: " + out.text());
            assertEquals("", err.text());
        }
    }
}
