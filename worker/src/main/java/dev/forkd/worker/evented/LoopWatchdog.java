package dev.forkd.worker.evented;

import dev.forkd.worker.common.WorkerLog;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import java.util.concurrent.locks.LockSupport;

/**
 * Watches an event loop's handler calls from a thread of its own. Under {@code --model evented}
 * every handler of a worker runs on its one loop thread, so a handler that blocks (a sleep, a
 * blocking socket or database call, a long computation) stalls every other connection of the
 * worker; this says so, with the loop thread's stack at that moment, which names the culprit.
 * One warning per blocked call at most, and at most one every {@link #REPORT_INTERVAL_NANOS}
 * (the others counted in the next); the loop itself pays two volatile writes per call.
 */
final class LoopWatchdog {
    /** The threshold in milliseconds, as a worker JVM option ({@code --worker-jvm-opt=-Dforkd.blockedHandlerMs=250}); 0 turns it off. */
    static final String THRESHOLD_PROPERTY = "forkd.blockedHandlerMs";
    static final long DEFAULT_THRESHOLD_MS = 100;
    static final long REPORT_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(10);

    private final long thresholdNanos;
    /** Where a report goes with the loop thread's stack: the worker's log, or a test. */
    private final BiConsumer<String, Throwable> sink;
    private volatile Thread loop;
    /** When the current handler call started, or 0 between calls. */
    private volatile long callStart;
    private volatile long callSeq;
    private volatile String callWhat = "";
    /** The call last reported, so that the loop can say when it returned. Written by the watchdog. */
    private volatile long reportedSeq = -1;
    private long lastReport;
    private boolean reportedOnce;
    private int suppressed;
    /** Handler calls nest (a reply that fails inside onMessage closes the connection, which calls onClose): only the outermost counts. */
    private int depth;

    LoopWatchdog(long thresholdNanos) {
        this(thresholdNanos, (report, stack) -> WorkerLog.warn("{}", report, stack));
    }

    LoopWatchdog(long thresholdNanos, BiConsumer<String, Throwable> sink) {
        this.thresholdNanos = thresholdNanos;
        this.sink = sink;
    }

    /** The threshold from the system property; a bad value is logged and the default kept. */
    static long thresholdFromProperty() {
        String v = System.getProperty(THRESHOLD_PROPERTY);
        long ms = DEFAULT_THRESHOLD_MS;
        if (v != null) {
            try {
                ms = Long.parseLong(v.trim());
            } catch (NumberFormatException e) {
                WorkerLog.warn("-D{}={} is not a number of milliseconds; using {}", THRESHOLD_PROPERTY, v, DEFAULT_THRESHOLD_MS);
            }
        }
        return TimeUnit.MILLISECONDS.toNanos(Math.max(0, ms));
    }

    boolean enabled() {
        return thresholdNanos > 0;
    }

    /** The loop thread is about to call a handler. */
    void enter(String what) {
        if (depth++ > 0) {
            return;
        }
        callWhat = what;
        callSeq++;
        callStart = System.nanoTime() | 1; // never 0, which means "between calls"
    }

    /** The handler call returned (or threw). */
    void exit() {
        if (--depth > 0) {
            return;
        }
        long start = callStart;
        callStart = 0;
        if (reportedSeq == callSeq) {
            WorkerLog.warn("event loop: {} returned after {} ms", callWhat, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
        }
    }

    /** A handler call, as the loop makes it. */
    interface Call {
        void run() throws Exception;
    }

    /** Makes a handler call on the loop thread, timed: between {@link #enter} and {@link #exit}. */
    void time(String what, Call call) throws Exception {
        enter(what);
        try {
            call.run();
        } finally {
            exit();
        }
    }

    /** Starts watching {@code loopThread} on a daemon thread; does nothing when the threshold is 0. */
    void start(Thread loopThread) {
        loop = loopThread;
        if (!enabled()) {
            return;
        }
        long period = Math.max(TimeUnit.MILLISECONDS.toNanos(5), thresholdNanos / 4);
        Thread t = new Thread(() -> {
            while (true) {
                LockSupport.parkNanos(period);
                try {
                    String report = check(System.nanoTime());
                    if (report != null) {
                        sink.accept(report, stackOf(loop));
                    }
                } catch (RuntimeException e) {
                    // the watchdog must outlive anything odd it meets; the loop does not depend on it
                    WorkerLog.error("event-loop watchdog: {}", e.toString(), e);
                }
            }
        }, "event-loop-watchdog");
        t.setDaemon(true);
        t.start();
    }

    /**
     * The warning for a call over the threshold not reported yet, or null. Rate-limited: a call
     * that is not reported because of the limit is counted in the next warning.
     */
    String check(long now) {
        long start = callStart;
        long seq = callSeq;
        if (start == 0 || now - start < thresholdNanos || reportedSeq == seq) {
            return null;
        }
        reportedSeq = seq;
        if (reportedOnce && now - lastReport < REPORT_INTERVAL_NANOS) {
            suppressed++;
            return null;
        }
        reportedOnce = true;
        lastReport = now;
        String more = suppressed == 0 ? "" : " (" + suppressed + " more such call(s) since the last warning)";
        suppressed = 0;
        return "event loop blocked: " + callWhat + " has run for " + TimeUnit.NANOSECONDS.toMillis(now - start)
                + " ms; every other connection of this worker waits meanwhile" + more
                + ". Do not block in a handler under --model evented (move blocking work to --model threaded);"
                + " the loop thread's stack follows";
    }

    /** The loop thread's stack, as a Throwable that WorkerLog writes as a trace. */
    static Throwable stackOf(Thread t) {
        Throwable stack = new LoopStack(t == null ? "(no loop thread)" : t.getName());
        stack.setStackTrace(t == null ? new StackTraceElement[0] : t.getStackTrace());
        return stack;
    }

    /** Not an error: only the carrier of another thread's stack into the log. */
    static final class LoopStack extends Throwable {
        private static final long serialVersionUID = 1L;

        LoopStack(String thread) {
            super("stack of thread " + thread, null, false, true);
        }
    }
}
