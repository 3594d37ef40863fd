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

    @Test
    void whenRoomRunsOnceOnTheNextReleaseThatLeavesRoom() {
        MemoryBudget b = new MemoryBudget(100);
        AtomicInteger woken = new AtomicInteger();
        assertTrue(b.whenRoom(100, woken::incrementAndGet), "room now: the caller goes on");
        b.reserve(150);
        assertFalse(b.whenRoom(10, woken::incrementAndGet));
        assertEquals(1, b.exhaustedEvents.sum(), "a reader held back is counted");
        b.release(10);
        assertEquals(0, woken.get(), "still over the limit: nobody woken");
        b.release(100);
        assertEquals(1, woken.get());
        b.release(40);
        assertEquals(1, woken.get(), "told once");
        assertEquals(0, b.waiting());
    }

    @Test
    void readsAreSizedToTheRoomLeft() {
        MemoryBudget b = new MemoryBudget(100_000);
        Buffers buffers = new Buffers(b, 65536);
        assertEquals(65536, buffers.cap(65536));
        b.reserve(90_000);
        assertEquals(10_000, buffers.cap(65536));
        b.reserve(20_000);
        assertEquals(1, buffers.cap(65536), "spent: a read still in flight takes one byte");
    }
}
