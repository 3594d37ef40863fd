package dev.forkd.supervisor.dispatch;

import java.util.ArrayList;
import java.util.List;

/** One worker's share of the dispatcher: its live and opening streams, what it may still take. Guarded by the dispatcher's monitor. */
final class Slot<T extends Dispatcher.Target> {
    final T target;
    int active;
    /** Streams being opened to it right now; a drain must wait for them to land in its backlog. */
    int opening;
    long assignmentsLeft;
    boolean usable = true;
    /** Told once no stream is being opened to it (see whenNoOpening). */
    List<Runnable> noneOpening = new ArrayList<>();

    Slot(T target) {
        this.target = target;
        this.assignmentsLeft = target.assignmentLimit();
    }

    boolean free() {
        return usable && active < target.capacity() && assignmentsLeft > 0;
    }
}
