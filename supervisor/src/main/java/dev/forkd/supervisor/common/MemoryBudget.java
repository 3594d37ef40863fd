package dev.forkd.supervisor.common;

import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * One budget for the bytes the supervisor holds on behalf of connections (relay buffers, PROXY
 * headers, first bytes): when it is spent, forkd stops reading instead of allocating, so that no
 * number of clients can exhaust its heap. Derived from the heap by default.
 */
public final class MemoryBudget {
    private final long limit;
    private final AtomicLong used = new AtomicLong();
    /** Times a reader was held back because the budget was spent. */
    public final LongAdder exhaustedEvents = new LongAdder();
    private final CopyOnWriteArrayList<Runnable> onRelease = new CopyOnWriteArrayList<>();
    /** Readers waiting for room; each is told once, on the next release (see {@link #whenRoom}). */
    private final ConcurrentLinkedQueue<Runnable> waiters = new ConcurrentLinkedQueue<>();

    public MemoryBudget(long limit) {
        this.limit = limit;
    }

    /** The default: 40% of the maximum heap, leaving the rest to per-connection objects and the JVM. */
    public static MemoryBudget fromHeap() {
        return new MemoryBudget(Runtime.getRuntime().maxMemory() * 2 / 5);
    }

    public long limit() {
        return limit;
    }

    public long used() {
        return used.get();
    }

    /** True while at least {@code bytes} more may be taken. */
    public boolean hasRoom(long bytes) {
        return used.get() + bytes <= limit;
    }

    /** Takes {@code bytes} if they fit; false (and nothing taken) if not. */
    public boolean tryReserve(long bytes) {
        while (true) {
            long u = used.get();
            if (u + bytes > limit) {
                exhaustedEvents.increment();
                return false;
            }
            if (used.compareAndSet(u, u + bytes)) {
                return true;
            }
        }
    }

    /** Counts a time a reader (or the listener) was held back because the budget was spent. */
    public void exhausted() {
        exhaustedEvents.increment();
    }

    /** Takes bytes already held (read before they could be refused); the overshoot is bounded by the caller. */
    public void reserve(long bytes) {
        used.addAndGet(bytes);
    }

    public void release(long bytes) {
        if (bytes <= 0) {
            return;
        }
        used.addAndGet(-bytes);
        for (Runnable r : onRelease) {
            r.run();
        }
        wakeWaiters();
    }

    /**
     * True if {@code bytes} fit now; else {@code then} runs once, on a releasing thread, after
     * the next release (it must check again: others may take the room first). A waiter is queued
     * before the budget is looked at again, and a releaser gives bytes back before it looks at
     * the queue, so no wake-up is lost.
     */
    public boolean whenRoom(long bytes, Runnable then) {
        if (hasRoom(bytes)) {
            return true;
        }
        exhaustedEvents.increment();
        waiters.add(then);
        if (hasRoom(bytes)) {
            wakeWaiters();
        }
        return false;
    }

    /** Readers waiting for room now. */
    public int waiting() {
        return waiters.size();
    }

    /** Only while there is room: a waiter that finds none when it runs queues itself again. */
    private void wakeWaiters() {
        Runnable r;
        while (used.get() < limit && (r = waiters.poll()) != null) {
            r.run();
        }
    }

    /** Called (on the releasing thread) whenever bytes come back: readers held back may go on. */
    public void onRelease(Runnable r) {
        onRelease.add(r);
    }
}
