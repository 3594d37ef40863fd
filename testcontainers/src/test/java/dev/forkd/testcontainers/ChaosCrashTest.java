package dev.forkd.testcontainers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The chaos handler's side is played by a local server that answers as forkd's ChaosHandler does. */
class ChaosCrashTest {
    private static final Duration T = Duration.ofSeconds(10);

    @Test
    void asksForThePidThenCrashesAndReturnsOnceTheConnectionEnds() throws Exception {
        AtomicLong seen = new AtomicLong();
        try (OneShotServer worker = new OneShotServer(line -> line.equals("pid") ? "4242\n" : OneShotServer.CLOSE)) {
            long pid = ChaosCrash.crashOne("127.0.0.1", worker.port(), T, p -> {
                // looked up while the worker still serves: the crash has not been sent yet
                seen.set(p);
            });
            assertEquals(4242, pid);
            assertEquals(4242, seen.get());
            assertEquals(List.of("pid", "crash"), worker.received());
        }
    }

    @Test
    void aHandlerThatIsNotChaosIsToldApart() throws Exception {
        // forkd's upper handler, in line framing, answers "PID"
        try (OneShotServer upper = new OneShotServer(line -> line.toUpperCase() + "\n")) {
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> ChaosCrash.crashOne("127.0.0.1", upper.port(), T, p -> { }));
            assertTrue(e.getMessage().contains("answered 'pid' with 'PID', not a pid"), e.getMessage());
        }
    }

    @Test
    void aWorkerThatAnswersInsteadOfCrashingIsAFailure() throws Exception {
        try (OneShotServer stubborn = new OneShotServer(line -> line.equals("pid") ? "7\n" : "no\n" + OneShotServer.CLOSE)) {
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> ChaosCrash.crashOne("127.0.0.1", stubborn.port(), T, p -> { }));
            assertEquals("worker 7 answered 'no' instead of crashing", e.getMessage());
        }
    }

    @Test
    void aWorkerThatKeepsTheConnectionFailsAtTheTimeout() throws Exception {
        try (OneShotServer hung = new OneShotServer(line -> line.equals("pid") ? "8\n" : null)) {
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> ChaosCrash.crashOne("127.0.0.1", hung.port(), Duration.ofMillis(300), p -> { }));
            assertTrue(e.getMessage().startsWith("worker 8 still holds its connection"), e.getMessage());
        }
    }
}
