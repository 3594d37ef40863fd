package dev.forkd.supervisor;

import dev.forkd.supervisor.pool.WorkerPool;
import dev.forkd.shared.ExitCodes;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.function.IntConsumer;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * What happens when a thread of forkd dies: never a live process that serves nothing. An
 * {@link Error} (OutOfMemoryError, any VirtualMachineError, a broken class path) halts the JVM with
 * exit 70 after one log line if one can still be written: a graceful stop may itself need the
 * memory that is gone, and a service manager restarts a process that exits. Anything else that
 * escapes a thread asks for an orderly stop with exit 70. Installed as the default uncaught
 * exception handler by `forkd serve`; executor tasks, which would keep a throwable in their
 * future, reach it through {@link #scheduler}.
 */
final class FatalErrors implements Thread.UncaughtExceptionHandler {
    private static final Logger LOG = LogManager.getLogger(FatalErrors.class);

    private final WorkerPool.Fatal stop;
    private final IntConsumer halt;

    FatalErrors(WorkerPool.Fatal stop, IntConsumer halt) {
        this.stop = stop;
        this.halt = halt;
    }

    /** Makes this policy every thread's, halting with {@link Runtime#halt}. */
    static FatalErrors install(WorkerPool.Fatal stop) {
        Runtime rt = Runtime.getRuntime();
        FatalErrors policy = new FatalErrors(stop, rt::halt);
        Thread.setDefaultUncaughtExceptionHandler(policy);
        return policy;
    }

    @Override
    public void uncaughtException(Thread t, Throwable e) {
        if (e instanceof Error) {
            try {
                LOG.fatal("thread {} died: {}; halting (exit {})", t.getName(), e, ExitCodes.INTERNAL);
            } catch (Throwable logFailed) {
                // out of memory even for one line: the exit code still tells the service manager
            } finally {
                halt.accept(ExitCodes.INTERNAL);
            }
            return;
        }
        try {
            LOG.error("thread {} died: {}", t.getName(), e.toString(), e);
        } finally {
            stop.fail(ExitCodes.INTERNAL, "thread " + t.getName() + " died: " + e);
        }
    }

    /**
     * Hands {@code e}, caught by a task that cannot let it reach its thread's end (an executor
     * would keep it), to whatever policy is installed; without one (unit tests), logs it.
     */
    static void report(Throwable e) {
        Thread.UncaughtExceptionHandler h = Thread.getDefaultUncaughtExceptionHandler();
        if (h != null) {
            h.uncaughtException(Thread.currentThread(), e);
        } else {
            LOG.error("{} in thread {}", e.toString(), Thread.currentThread().getName(), e);
        }
    }

    /**
     * A single daemon thread for scheduled tasks whose failures are not lost: an {@link Error}
     * from any task, and anything from a periodic task (which the executor would silently stop
     * repeating, e.g. the heartbeat), go to {@link #report}; a one-off task's RuntimeException is
     * logged and the thread goes on with the next task.
     */
    static ScheduledThreadPoolExecutor scheduler(String name) {
        ScheduledThreadPoolExecutor exec = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        }) {
            @Override
            protected void afterExecute(Runnable r, Throwable thrown) {
                super.afterExecute(r, thrown);
                Throwable failure = thrown != null ? thrown : failureOf(r);
                if (failure == null) {
                    return;
                }
                boolean periodic = r instanceof java.util.concurrent.RunnableScheduledFuture
                        && ((java.util.concurrent.RunnableScheduledFuture<?>) r).isPeriodic();
                if (failure instanceof Error || periodic) {
                    report(failure);
                } else {
                    LOG.error("{} task failed: {}", name, failure.toString(), failure);
                }
            }
        };
        exec.setRemoveOnCancelPolicy(true);
        return exec;
    }

    /** What a finished task's future holds, if it failed. */
    static Throwable failureOf(Runnable r) {
        if (!(r instanceof Future) || !((Future<?>) r).isDone()) {
            return null;
        }
        try {
            ((Future<?>) r).get();
            return null;
        } catch (CancellationException e) {
            // cancelled on purpose (a queue timeout that was not needed): not a failure
            return null;
        } catch (ExecutionException e) {
            return e.getCause();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }
}
