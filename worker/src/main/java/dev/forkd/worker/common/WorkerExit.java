package dev.forkd.worker.common;


/** Ends the worker JVM: flushes the log first, then halts without waiting for anything else. */
public final class WorkerExit {
    private WorkerExit() {
    }

    public static void now(int code) {
        WorkerLog.flush();
        // halt, not exit: no shutdown hook or stuck handler thread may keep an unwanted worker alive
        Runtime.getRuntime().halt(code);
    }
}
