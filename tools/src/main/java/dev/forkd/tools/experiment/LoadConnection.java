package dev.forkd.tools.experiment;

import java.util.concurrent.TimeUnit;

/**
 * One load connection while it runs, shared by its client thread and the crash injector. The
 * injector may hold it before its next request (see {@link #tryHold}): a kill9 target is frozen
 * in the middle of its requests until its worker is down, so that the crash hits that connection
 * and not the next one its worker would have taken.
 */
final class LoadConnection {
    final ConnKey key;
    final long startMs;
    private final int requestsPlanned;
    private long pid;
    private long firstReplyMs = -1;
    private long lastSentMs = -1;
    private int localPort;
    private int sent;
    private int done;
    private boolean held;
    private boolean finished;
    private long endMs;
    private String error;

    LoadConnection(ConnKey key, long startMs, int requestsPlanned) {
        this.key = key;
        this.startMs = startMs;
        this.requestsPlanned = requestsPlanned;
    }

    synchronized void pidKnown(long workerPid, long atMs) {
        this.pid = workerPid;
        this.firstReplyMs = atMs;
    }

    /** Our end's port, once connected; 0 before. */
    synchronized int localPort() {
        return localPort;
    }

    synchronized boolean finished() {
        return finished;
    }

    /** Our end's port: the supervisor's log names each connection by it. */
    synchronized void localPort(int port) {
        this.localPort = port;
    }

    synchronized long pid() {
        return pid;
    }

    /** Its worker is known and it has a request left to send: a crash now would hit it in the middle. */
    synchronized boolean inTheMiddle() {
        return pid > 0 && sent < requestsPlanned && !finished && !held;
    }

    /** Holds the connection before its next request, if it is still in the middle; false if not. */
    synchronized boolean tryHold() {
        if (!inTheMiddle()) {
            return false;
        }
        held = true;
        return true;
    }

    synchronized void release() {
        held = false;
        notifyAll();
    }

    /** When the request just counted by {@link #beforeSend} went out. */
    synchronized void sentAt(long atMs) {
        lastSentMs = atMs;
    }

    /** Called by the client before each request: waits while held, at most {@code maxWaitNanos}. */
    synchronized void beforeSend(long maxWaitNanos) throws InterruptedException {
        long deadline = System.nanoTime() + maxWaitNanos;
        while (held) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                break;
            }
            TimeUnit.NANOSECONDS.timedWait(this, left);
        }
        sent++;
    }

    synchronized void requestDone() {
        done++;
    }

    /** Ends it, failed if {@code failure} is not null; only the first call counts. */
    synchronized boolean finish(long atMs, String failure) {
        if (finished) {
            return false;
        }
        finished = true;
        endMs = atMs;
        error = failure;
        return true;
    }

    synchronized ConnectionOutcome outcome() {
        if (!finished) {
            throw new IllegalStateException(key + " has not finished");
        }
        return new ConnectionOutcome(key, pid, localPort, startMs, endMs, done, error != null, error, firstReplyMs, lastSentMs);
    }
}
