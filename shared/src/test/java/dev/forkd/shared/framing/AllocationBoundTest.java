package dev.forkd.shared.framing;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class AllocationBoundTest {
    @Test
    void withinTheBoundIsNoFinding() {
        assertDoesNotThrow(() -> AllocationBound.check(100, 100, "a call"));
        AllocationBound.Exceeded e = assertThrows(AllocationBound.Exceeded.class, () -> AllocationBound.check(101, 100, "a call"));
        assertEquals("a call allocated 101 bytes; the bound is 100", e.getMessage());
    }

    @Test
    void anExcessThatDoesNotRepeatIsForgiven() {
        AtomicInteger runs = new AtomicInteger();
        AllocationBound.twice(() -> {
            if (runs.incrementAndGet() == 1) {
                AllocationBound.check(5000, 100, "a call");
            }
        });
        assertEquals(2, runs.get());
    }

    @Test
    void anExcessThatRepeatsFailsNamingBothRuns() {
        AtomicInteger runs = new AtomicInteger();
        AssertionError e = assertThrows(AssertionError.class,
                () -> AllocationBound.twice(() -> AllocationBound.check(runs.incrementAndGet() * 1000L, 100, "a call")));
        assertEquals(2, runs.get());
        assertTrue(e.getMessage().startsWith("a call allocated 2000 bytes; the bound is 100, in two runs"), e.getMessage());
        assertTrue(e.getMessage().contains("first: a call allocated 1000 bytes"), e.getMessage());
    }

    @Test
    void anyOtherFailureIsNotRunAgain() {
        AtomicInteger runs = new AtomicInteger();
        AssertionError e = assertThrows(AssertionError.class, () -> AllocationBound.twice(() -> {
            runs.incrementAndGet();
            throw new AssertionError("frames differ");
        }));
        assertEquals("frames differ", e.getMessage());
        assertEquals(1, runs.get());
    }
}
