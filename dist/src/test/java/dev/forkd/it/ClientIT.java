package dev.forkd.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.forkd.shared.framing.Framing;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** `forkd client` as a user runs it: the real jar as a process, against a real `forkd serve` or an in-test framed server. */
class ClientIT {
    private static final Duration EXIT = Duration.ofSeconds(30);
    private static final Duration WAIT = Duration.ofSeconds(20);

    @Test
    void upperCasesStdinThroughARealServer() throws Exception {
        try (ForkdProcess forkd = ForkdProcess.serve("client-raw-serve", "--workers", "2");
                CommandProcess client = CommandProcess.start("client-raw", "client", "127.0.0.1:" + forkd.port())) {
            client.write("hello\nworld\n");
            client.closeStdin();
            assertEquals(0, client.awaitExit(EXIT), client.stderr());
            assertEquals("HELLO\nWORLD\n", client.stdout());
            assertEquals("", client.stderr());
        }
    }

    @Test
    void aServerThatIsNotThereExits1WithOneClearLine() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        try (CommandProcess client = CommandProcess.start("client-refused", "client", "127.0.0.1:" + port)) {
            client.closeStdin();
            assertEquals(1, client.awaitExit(EXIT));
            assertEquals("forkd client: connection to 127.0.0.1:" + port + " refused\n", client.stderr());
            assertEquals("", client.stdout());
        }
    }

    @Test
    void aServerThatGoesAwayExits1WithOneClearLine() throws Exception {
        try (ForkdProcess forkd = ForkdProcess.serve("client-gone-serve", "--workers", "1");
                CommandProcess client = CommandProcess.start("client-gone", "client", "127.0.0.1:" + forkd.port())) {
            client.write("still here\n");
            client.awaitStdout(o -> o.equals("STILL HERE\n"), "the reply", WAIT);
            // the whole server dies (kill -9, workers too) while the user is still typing
            forkd.close();
            assertEquals(1, client.awaitExit(EXIT), client.stderr());
            assertEquals("forkd client: server closed the connection\n", client.stderr());
        }
    }

    @Test
    void framedModeSendsHeartbeatsAndDoesNotPrintPongs() throws Exception {
        try (FramedServer server = FramedServer.start(Framing.LINE);
                CommandProcess client = CommandProcess.start("client-heartbeat", "client", "127.0.0.1:" + server.port(),
                        "--framing", "line", "--heartbeat", "200ms")) {
            client.write("hello\n");
            client.awaitStdout(o -> o.equals("HELLO\n"), "HELLO", WAIT);
            assertTrue(server.awaitPings(1, WAIT), "a ping within the deadline; stderr: " + client.stderr());
            // the pong went out before this reply, and replies are printed in order
            client.write("world\n");
            client.awaitStdout(o -> o.contains("WORLD"), "WORLD", WAIT);
            client.closeStdin();
            assertEquals(0, client.awaitExit(EXIT), client.stderr());
            assertEquals("HELLO\nWORLD\n", client.stdout());
            assertFalse(client.stdout().contains("pong"));
        }
    }

    @Test
    void helpListsTheCommandsAndOptions() throws Exception {
        try (CommandProcess p = CommandProcess.start("client-help", "--help")) {
            assertEquals(0, p.awaitExit(EXIT));
            // picocli pads the command column to the longest command name (experiment, for now)
            assertTrue(p.stdout().matches("(?s).*\\bclient +Send each line of standard input.*"), p.stdout());
        }
        try (CommandProcess p = CommandProcess.start("client-help-client", "client", "--help")) {
            assertEquals(0, p.awaitExit(EXIT));
            for (String opt : List.of("HOST:PORT", "--framing", "--fixed-size", "--max-frame", "--heartbeat")) {
                assertTrue(p.stdout().contains(opt), opt + " in\n" + p.stdout());
            }
        }
    }
}
