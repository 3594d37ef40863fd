package dev.forkd.supervisor.launch;

/** How one worker serves the connections it is given; the worker learns it from a flag of WorkerContract. */
public enum WorkerConcurrency {
    /** iterative, prefork, fork-per-connection: no flag. */
    ONE_AT_A_TIME,
    /** threaded: {@code --threaded}, a thread per connection. */
    THREAD_PER_CONNECTION,
    /** evented: {@code --evented}, one event loop for all of them. */
    EVENT_LOOP
}
