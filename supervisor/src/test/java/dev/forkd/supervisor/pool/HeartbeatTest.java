package dev.forkd.supervisor.pool;

import dev.forkd.supervisor.restart.RestartReason;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class HeartbeatTest {
    private static final long MS = 1_000_000L;
    private static final Duration BEAT = Duration.ofSeconds(1);
    private static final Duration TIMEOUT = Duration.ofSeconds(10);
    private static final Duration GRACEFUL = Duration.ofSeconds(30);

    private final List<String> done = new ArrayList<>();
    private final Heartbeat hb = new Heartbeat(BEAT, TIMEOUT, GRACEFUL, new Heartbeat.Hands() {
        @Override
        public void ping(WorkerProcess w) {
            done.add("ping " + w.id);
        }

        @Override
        public void takeOut(WorkerProcess w) {
            done.add("out " + w.id);
        }

        @Override
        public void term(WorkerProcess w) {
            done.add("TERM " + w.id);
        }

        @Override
        public void kill(WorkerProcess w) {
            done.add("KILL " + w.id);
        }
    });
    private long now = System.nanoTime();

    private WorkerProcess ready(int id) {
        WorkerProcess w = new WorkerProcess(id, Path.of("/tmp/w" + id + ".sock"), 1);
        w.state = WorkerState.READY;
        w.readyNanos = now;
        w.lastPongNanos = now;
        return w;
    }

    /** Beats every second up to {@code seconds} from now, as the pool thread would. */
    private void beatFor(List<WorkerProcess> workers, int seconds) {
        for (int i = 0; i < seconds; i++) {
            now += BEAT.toNanos();
            hb.tick(workers, now);
        }
    }

    @Test
    void aSilentWorkerIsTerminatedPastTheTimeoutAsAHang() {
        hb.start(now);
        WorkerProcess w = ready(1);
        beatFor(List.of(w), 10);
        assertEquals(WorkerState.READY, w.state, "exactly the timeout is still in time");
        assertEquals(10, done.stream().filter(d -> d.equals("ping 1")).count());
        done.clear();
        beatFor(List.of(w), 1);
        assertEquals(List.of("out 1", "TERM 1"), done);
        assertEquals(WorkerState.STOPPING, w.state);
        assertEquals(RestartReason.HANG, w.exitReason);
    }

    @Test
    void anAnsweringWorkerIsOnlyPinged() {
        hb.start(now);
        WorkerProcess w = ready(1);
        for (int i = 0; i < 30; i++) {
            beatFor(List.of(w), 1);
            w.lastPongNanos = now;
        }
        assertEquals(WorkerState.READY, w.state);
        assertNull(w.exitReason);
    }

    @Test
    void termThenKillAfterTheGrace() {
        hb.start(now);
        WorkerProcess w = ready(1);
        hb.terminate(w, now);
        assertEquals(List.of("out 1", "TERM 1"), done);
        done.clear();
        beatFor(List.of(w), 3);
        assertEquals(List.of(), done, "3 s after TERM is still the grace");
        beatFor(List.of(w), 1);
        assertEquals(List.of("KILL 1"), done);
        beatFor(List.of(w), 5);
        assertEquals(List.of("KILL 1"), done, "KILL once");
    }

    @Test
    void aPauseOfTheSupervisorIsCreditedToHealthyWorkers() {
        hb.start(now);
        WorkerProcess healthy = ready(1);
        WorkerProcess silent = ready(2);
        beatFor(List.of(healthy, silent), 5);
        healthy.lastPongNanos = now;
        // silent has been silent 5 s; then the supervisor is stopped for a minute
        now += Duration.ofMinutes(1).toNanos();
        hb.tick(List.of(healthy, silent), now);
        assertEquals(WorkerState.READY, healthy.state, "no ping went out: its silence is not its fault");
        assertEquals(WorkerState.READY, silent.state, "its 5 s of silence before the pause are kept");
        beatFor(List.of(healthy, silent), 5);
        assertEquals(WorkerState.STOPPING, silent.state, "and it still times out");
        assertEquals(WorkerState.READY, healthy.state);
    }

    @Test
    void aWorkerStuckInBootIsTerminated() {
        hb.start(now);
        WorkerProcess w = new WorkerProcess(1, Path.of("/tmp/w1.sock"), 1);
        now = w.launchedNanos;
        hb.start(now);
        beatFor(List.of(w), 60);
        assertEquals(WorkerState.STARTING, w.state);
        beatFor(List.of(w), 1);
        assertEquals(List.of("out 1", "TERM 1"), done);
        assertNull(w.exitReason, "counted as a boot failure by the exit decision");
    }

    @Test
    void aDrainPastTheGracefulTimeoutIsTerminatedAndKeepsItsReason() {
        hb.start(now);
        WorkerProcess w = ready(1);
        w.state = WorkerState.DRAINING;
        w.exitReason = RestartReason.RECYCLE;
        w.drainStartedNanos = now;
        for (int i = 0; i < 31; i++) {
            beatFor(List.of(w), 1);
            w.lastPongNanos = now;
        }
        assertEquals(WorkerState.STOPPING, w.state);
        assertEquals(RestartReason.RECYCLE, w.exitReason);
    }
}
