package dev.forkd.supervisor.pool;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.AbstractExecutorService;
import java.util.concurrent.Callable;
import java.util.concurrent.Delayed;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * A single "pool thread" driven by the test: tasks run when the test says so, scheduled ones when
 * the test's clock has reached their time. The clock is the pool's clock too.
 */
final class ManualScheduler extends AbstractExecutorService implements ScheduledExecutorService {
    private long now = System.nanoTime();
    private final List<Task> tasks = new ArrayList<>();
    private long order;

    final LongSupplier clock = () -> now;

    private final class Task implements ScheduledFuture<Object> {
        final Runnable r;
        final long due;
        final long seq = order++;
        final long period;
        boolean cancelled;

        Task(Runnable r, long due, long period) {
            this.r = r;
            this.due = due;
            this.period = period;
        }

        @Override
        public long getDelay(TimeUnit unit) {
            return unit.convert(due - now, TimeUnit.NANOSECONDS);
        }

        @Override
        public int compareTo(Delayed o) {
            return Long.compare(getDelay(TimeUnit.NANOSECONDS), o.getDelay(TimeUnit.NANOSECONDS));
        }

        @Override
        public boolean cancel(boolean interrupt) {
            cancelled = true;
            return tasks.remove(this);
        }

        @Override
        public boolean isCancelled() {
            return cancelled;
        }

        @Override
        public boolean isDone() {
            return cancelled || !tasks.contains(this);
        }

        @Override
        public Object get() {
            return null;
        }

        @Override
        public Object get(long timeout, TimeUnit unit) {
            return null;
        }
    }

    /** Runs every task due by now, in order of due time, including those they post. */
    synchronized void runDue() {
        while (true) {
            Task next = tasks.stream().filter(t -> t.due <= now)
                    .min(Comparator.<Task>comparingLong(t -> t.due).thenComparingLong(t -> t.seq)).orElse(null);
            if (next == null) {
                return;
            }
            tasks.remove(next);
            if (next.period > 0) {
                tasks.add(new Task(next.r, now + next.period, next.period));
            }
            next.r.run();
        }
    }

    /** Moves the clock on and runs what came due (periodic tasks once per step, as after a pause). */
    synchronized void advance(long nanos) {
        now += nanos;
        runDue();
    }

    synchronized int pending() {
        return tasks.size();
    }

    @Override
    public synchronized void execute(Runnable command) {
        tasks.add(new Task(command, now, 0));
    }

    @Override
    public synchronized ScheduledFuture<?> schedule(Runnable command, long delay, TimeUnit unit) {
        Task t = new Task(command, now + unit.toNanos(delay), 0);
        tasks.add(t);
        return t;
    }

    @Override
    public <V> ScheduledFuture<V> schedule(Callable<V> callable, long delay, TimeUnit unit) {
        throw new UnsupportedOperationException();
    }

    @Override
    public ScheduledFuture<?> scheduleAtFixedRate(Runnable command, long initialDelay, long period, TimeUnit unit) {
        throw new UnsupportedOperationException("the pool uses fixed delay");
    }

    @Override
    public synchronized ScheduledFuture<?> scheduleWithFixedDelay(Runnable command, long initialDelay, long delay, TimeUnit unit) {
        Task t = new Task(command, now + unit.toNanos(initialDelay), unit.toNanos(delay));
        tasks.add(t);
        return t;
    }

    @Override
    public void shutdown() {
    }

    @Override
    public List<Runnable> shutdownNow() {
        return List.of();
    }

    @Override
    public boolean isShutdown() {
        return false;
    }

    @Override
    public boolean isTerminated() {
        return false;
    }

    @Override
    public boolean awaitTermination(long timeout, TimeUnit unit) {
        return true;
    }
}
