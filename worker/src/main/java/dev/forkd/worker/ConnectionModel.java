package dev.forkd.worker;

/** How one worker serves the connections the supervisor sends it (the supervisor's --model, seen from the worker). */
enum ConnectionModel {
    /** iterative, prefork, fork-per-connection: the accepting thread serves each connection itself. */
    ONE_AT_A_TIME,
    /** threaded: a thread per connection. */
    THREAD_PER_CONNECTION,
    /** evented: one thread, a selector over every connection; handlers run on it and must not block. */
    EVENT_LOOP
}
