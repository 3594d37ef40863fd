package dev.forkd.worker;


/** Ends the worker JVM: flushes the log first, then halts without waiting for anything else. */
final class WorkerExit {
    private WorkerExit() {
    }

    static void now(int code) {
        WorkerLog.flush();
        // halt, not exit: no shutdown hook or stuck handler thread may keep an unwanted worker alive
        Runtime.getRuntime().halt(code);
    }
}
