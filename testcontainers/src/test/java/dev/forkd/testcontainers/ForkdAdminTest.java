package dev.forkd.testcontainers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class ForkdAdminTest {
    private static OneShotServer answering(int status, String body) throws IOException {
        String answer = "HTTP/1.1 " + status + " X\r\nContent-Length: " + body.length() + "\r\nConnection: close\r\n\r\n" + body;
        return new OneShotServer(line -> line.isEmpty() ? answer + OneShotServer.CLOSE : null);
    }

    private static ForkdAdmin admin(int port, boolean running) {
        return new ForkdAdmin(new AdminHttp("127.0.0.1", port, "127.0.0.1:" + port, AdminToken.generate()), () -> running,
                () -> "forkd: the last words");
    }

    @Test
    void aKillReturnsTheClientsTheWorkerHeld() throws Exception {
        try (OneShotServer s = answering(200, "{\"signal\":\"KILL\",\"clients\":[\"127.0.0.1:5000\",\"127.0.0.1:5001\"]}")) {
            assertEquals(List.of("127.0.0.1:5000", "127.0.0.1:5001"), admin(s.port(), true).kill(3, "KILL"));
            assertTrue(s.received().get(0).equals("POST /workers/3/kill?signal=KILL HTTP/1.1"), s.received().toString());
        }
    }

    @Test
    void anAnswerOtherThanSuccessIsAnExceptionWithForkdsWords() throws Exception {
        try (OneShotServer s = answering(404, "{\"error\":\"no such worker\"}")) {
            ForkdAdminException e = assertThrows(ForkdAdminException.class, () -> admin(s.port(), true).kill(99, "KILL"));
            assertEquals(404, e.statusCode());
            assertEquals("POST /workers/99/kill?signal=KILL answered 404: {\"error\":\"no such worker\"}", e.getMessage());
        }
        try (OneShotServer s = answering(200, "not json")) {
            assertThrows(IllegalStateException.class, () -> admin(s.port(), true).status());
        }
    }

    @Test
    void aWaitGivesUpAtOnceWhenTheContainerHasExitedWithItsLog() throws Exception {
        int closed;
        try (ServerSocket free = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closed = free.getLocalPort();
        }
        long t0 = System.nanoTime();
        int port = closed;
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> admin(port, false).awaitStatus(s -> true, Duration.ofMinutes(5), "every worker ready"));
        assertTrue(System.nanoTime() - t0 < Duration.ofSeconds(30).toNanos(), "not the 5-minute timeout");
        assertTrue(e.getMessage().startsWith("forkd's container has exited while waiting for every worker ready"), e.getMessage());
        assertTrue(e.getMessage().endsWith("forkd: the last words"), e.getMessage());
    }

    @Test
    void aWaitThatNeverHoldsFailsAtItsDeadlineSayingWhatItLastSaw() throws Exception {
        int closed;
        try (ServerSocket free = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closed = free.getLocalPort();
        }
        int port = closed;
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> admin(port, true).awaitStatus(s -> true, Duration.ofMillis(300), "every worker ready"));
        assertEquals("not within PT0.3S: every worker ready; last status: no answer", e.getMessage());
    }
}
