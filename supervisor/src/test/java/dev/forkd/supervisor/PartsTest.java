package dev.forkd.supervisor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

class PartsTest {
    private final List<String> closed = new CopyOnWriteArrayList<>();

    /** Starts "listener", "relay", "admin" in order; the third fails to start. */
    private void startUntilTheThirdFails(Parts parts) throws Assembly.StartFailure {
        parts.add("listener", "L", () -> closed.add("listener"));
        parts.add("relay", "R", () -> closed.add("relay"));
        throw new Assembly.StartFailure(4);
    }

    @Test
    void aPartThatFailsToStartClosesTheStartedOnesInReverseOrder() {
        Parts parts = new Parts();
        Assembly.StartFailure e = assertThrows(Assembly.StartFailure.class, () -> {
            try (parts) {
                startUntilTheThirdFails(parts);
            }
        });
        assertEquals(4, e.exitCode);
        assertEquals(List.of("relay", "listener"), closed);
    }

    @Test
    void aPartThatFailsToCloseDoesNotKeepTheEarlierOnesOpen() throws Exception {
        Parts parts = new Parts();
        parts.add("first", 1, () -> closed.add("first"));
        parts.add("second", 2, () -> {
            throw new IllegalStateException("stuck");
        });
        parts.add("third", 3, () -> closed.add("third"));
        parts.close();
        assertEquals(List.of("third", "first"), closed);
    }

    @Test
    void anInterruptedCloseStillClosesTheRestAndKeepsTheInterrupt() {
        Parts parts = new Parts();
        parts.add("first", 1, () -> closed.add("first"));
        parts.add("waits", 2, () -> {
            throw new InterruptedException();
        });
        parts.close();
        assertTrue(Thread.interrupted(), "the interrupt is kept for the caller");
        assertEquals(List.of("first"), closed);
    }

    @Test
    void closingTwiceClosesEachPartOnce() {
        Parts parts = new Parts();
        parts.add("only", 1, () -> closed.add("only"));
        parts.close();
        parts.close();
        assertEquals(List.of("only"), closed);
    }
}
