package dev.forkd.supervisor.dispatch;

import java.util.ArrayList;
import java.util.Collection;
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

    /** The free slot with the fewest connections, among the free ones from {@code cursor} on (ties rotate); null if none is free. */
    static <T extends Dispatcher.Target> Slot<T> leastActive(Collection<Slot<T>> slots, int cursor) {
        List<Slot<T>> candidates = new ArrayList<>(slots.size());
        for (Slot<T> s : slots) {
            if (s.free()) {
                candidates.add(s);
            }
        }
        int n = candidates.size();
        Slot<T> best = null;
        for (int i = 0; i < n; i++) {
            Slot<T> s = candidates.get((cursor + i) % n);
            if (best == null || s.active < best.active) {
                best = s;
            }
        }
        return best;
    }
}
