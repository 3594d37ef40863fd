package dev.forkd.supervisor.common;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class MemoryBudgetTest {
    @Test
    void roomReserveReleaseAndWakeUps() {
        MemoryBudget b = new MemoryBudget(100);
        AtomicInteger woken = new AtomicInteger();
        b.onRelease(woken::incrementAndGet);
        assertTrue(b.hasRoom(100));
        b.reserve(64);
        assertFalse(b.hasRoom(64), "one more chunk would not fit");
        b.exhausted();
        assertEquals(1, b.exhaustedEvents.sum());
        b.release(64);
        assertEquals(0, b.used());
        assertEquals(1, woken.get(), "a release wakes whoever waits for room");
        b.release(0);
        assertEquals(1, woken.get(), "nothing released, nobody woken");
    }

    @Test
    void fromHeapIsBelowTheHeap() {
        long max = Runtime.getRuntime().maxMemory();
        long limit = MemoryBudget.fromHeap().limit();
        assertTrue(limit > 0 && limit < max, limit + " of " + max);
    }
}
