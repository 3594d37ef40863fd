package dev.forkd.supervisor.pool;

import dev.forkd.supervisor.restart.RestartReason;
import dev.forkd.supervisor.control.ControlSession;
import dev.forkd.supervisor.rundir.RuntimeDirectory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.IntConsumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The pool's own policy (reconcile, scale, backoff, drain) through its seams: no process is started. */
class WorkerPoolTest {
    private static final long PID = ProcessHandle.current().pid();

    @TempDir
    Path tmp;
    private final ManualScheduler thread = new ManualScheduler();
    private final FakeDispatch dispatch = new FakeDispatch();
    private final Map<Integer, IntConsumer> exits = new HashMap<>();
    private final List<WorkerProcess> launched = new ArrayList<>();
    private final List<String> fatal = new ArrayList<>();
    private final List<AutoCloseable> open = new ArrayList<>();
    private final Map<Integer, SocketChannel> controlPeers = new HashMap<>();
    private RuntimeDirectory dir;
    private ServerSocketChannel control;

    @BeforeEach
    void setUp() throws IOException {
        dir = RuntimeDirectory.open(tmp.resolve("run"), Map.of(), PID);
        control = ServerSocketChannel.open(StandardProtocolFamily.UNIX).bind(UnixDomainSocketAddress.of(dir.controlSocket()));
        open.add(control);
    }

    @AfterEach
    void tearDown() throws Exception {
        for (AutoCloseable c : open) {
            c.close();
        }
    }

    static final class FakeDispatch implements PoolDispatch {
        final List<Integer> targets = new ArrayList<>();
        final Map<Integer, Integer> active = new HashMap<>();
        boolean opening;
        final List<Runnable> whenLanded = new ArrayList<>();

        @Override
        public void addTarget(WorkerProcess w) {
            targets.add(w.id);
        }

        @Override
        public void removeTarget(WorkerProcess w) {
            targets.remove((Integer) w.id);
        }

        @Override
        public int active(WorkerProcess w) {
            return active.getOrDefault(w.id, 0);
        }

        @Override
        public boolean whenNoOpening(WorkerProcess w, Runnable then) {
            if (!opening) {
                return true;
            }
            whenLanded.add(then);
            return false;
        }

        @Override
        public void onExhausted(Consumer<WorkerProcess> listener) {
        }

        @Override
        public void onUnreachable(Consumer<WorkerProcess> listener) {
        }
    }

    private WorkerPool pool(int target) {
        PoolSettings s = new PoolSettings(target, 1, 0, 0, Duration.ofSeconds(1), Duration.ofSeconds(10), Duration.ofSeconds(30),
                5, Duration.ofMinutes(1), 8, Integer.MAX_VALUE, PoolSettings.Replacement.AFTER_READY);
        WorkerPool.Launcher launcher = new WorkerPool.Launcher() {
            @Override
            public void launch(WorkerProcess w, IntConsumer onExit) {
                launched.add(w);
                exits.put(w.id, onExit);
            }

            @Override
            public void controlSocket(Path path) {
            }
        };
        return new WorkerPool(s, dir, launcher, dispatch, thread, (code, why) -> fatal.add(why), nanos -> { }, thread.clock);
    }

    /** Worker {@code id} binds its socket and says ready on a control channel of its own. */
    private void ready(WorkerPool pool, int id) throws IOException {
        WorkerProcess w = launched.stream().filter(x -> x.id == id).findFirst().orElseThrow();
        open.add(ServerSocketChannel.open(StandardProtocolFamily.UNIX).bind(UnixDomainSocketAddress.of(w.socket)));
        SocketChannel ours = SocketChannel.open(UnixDomainSocketAddress.of(dir.controlSocket()));
        SocketChannel theirs = control.accept();
        theirs.configureBlocking(false);
        open.add(ours);
        open.add(theirs);
        controlPeers.put(id, theirs);
        pool.onReady(new ControlSession(ours, id, PID));
        thread.runDue();
    }

    /** What the pool told worker {@code id} on its control channel since last asked. */
    private String told(int id) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(4096);
        controlPeers.get(id).read(b);
        return new String(b.array(), 0, b.position(), StandardCharsets.US_ASCII);
    }

    private void exit(int id, int code) {
        exits.get(id).accept(code);
        thread.runDue();
    }

    private WorkerProcess worker(WorkerPool pool, int id) {
        return pool.snapshot().stream().filter(w -> w.id == id).findFirst().orElseThrow();
    }

    @Test
    void aDeficitIsSpawnedAndTheFirstFullSetCompletesAllReady() throws IOException {
        WorkerPool pool = pool(2);
        pool.start();
        thread.runDue();
        assertEquals(2, launched.size());
        ready(pool, 1);
        assertFalse(pool.allReady().isDone());
        ready(pool, 2);
        assertTrue(pool.allReady().isDone());
        assertEquals(List.of(1, 2), dispatch.targets);
        assertEquals(List.of(1, 2), List.of(launched.get(0).slot, launched.get(1).slot));
    }

    @Test
    void aCrashIsReplacedInItsSlotAndCounted() throws IOException {
        WorkerPool pool = pool(2);
        pool.start();
        thread.runDue();
        ready(pool, 1);
        ready(pool, 2);
        thread.advance(Duration.ofSeconds(5).toNanos());
        exit(1, 137);
        assertEquals(3, launched.size(), "replaced at once");
        assertEquals(1, launched.get(2).slot, "in the slot of the one it replaces");
        assertEquals(1, pool.restarts().of(RestartReason.CRASH));
        assertEquals(1, pool.restarts().of(1, RestartReason.CRASH));
    }

    @Test
    void repeatedFastCrashesDelayTheNextStart() throws IOException {
        WorkerPool pool = pool(1);
        pool.start();
        thread.runDue();
        ready(pool, 1);
        exit(1, 137);
        assertEquals(2, launched.size(), "the first fast crash is replaced at once");
        ready(pool, 2);
        exit(2, 137);
        assertEquals(2, launched.size(), "the second waits");
        thread.advance(Duration.ofMillis(49).toNanos());
        assertEquals(2, launched.size());
        thread.advance(Duration.ofMillis(51).toNanos());
        assertEquals(3, launched.size(), "started once the backoff (50..100 ms) passed");
    }

    @Test
    void scalingDownDrainsTheLeastBusyAndItsExitIsCountedAsScale() throws IOException {
        WorkerPool pool = pool(3);
        pool.start();
        thread.runDue();
        for (int id = 1; id <= 3; id++) {
            ready(pool, id);
        }
        dispatch.active.put(1, 4);
        dispatch.active.put(2, 1);
        dispatch.active.put(3, 2);
        var scaled = pool.requests().scale(-1);
        thread.runDue();
        assertEquals(2, scaled.join());
        assertEquals(WorkerState.DRAINING, worker(pool, 2).state);
        assertTrue(told(2).contains("drain"));
        assertEquals(List.of(1, 3), dispatch.targets);
        exit(2, 0);
        assertEquals(3, launched.size(), "not replaced: its slot is gone");
        assertEquals(1, pool.restarts().of(RestartReason.SCALE));
    }

    @Test
    void scalingPastTheLimitsIsRefused() {
        WorkerPool pool = pool(1);
        var tooMany = pool.requests().scale(8);
        var none = pool.requests().scale(-1);
        thread.runDue();
        assertTrue(tooMany.isCompletedExceptionally());
        assertTrue(none.isCompletedExceptionally());
        assertEquals(1, pool.target());
    }

    @Test
    void aDrainWaitsForStreamsBeingOpenedWithoutHoldingUpThePoolThread() throws IOException {
        WorkerPool pool = pool(2);
        pool.start();
        thread.runDue();
        ready(pool, 1);
        ready(pool, 2);
        dispatch.opening = true;
        pool.requests().scale(-1);
        thread.runDue();
        WorkerProcess draining = pool.snapshot().stream().filter(w -> w.state == WorkerState.DRAINING).findFirst().orElseThrow();
        assertFalse(told(draining.id).contains("drain"), "not told while a stream to it is being opened");
        assertEquals(1, dispatch.whenLanded.size());
        dispatch.whenLanded.get(0).run(); // the opening thread: the stream landed
        thread.runDue();
        assertTrue(told(draining.id).contains("drain"));
        thread.advance(WorkerDrain.OPENING_WAIT.toNanos());
        assertFalse(told(draining.id).contains("drain"), "told once (the heartbeat still pings it)");
    }

    @Test
    void aDrainIsToldAnywayWhenAStreamStaysOpeningPastTheWait() throws IOException {
        WorkerPool pool = pool(2);
        pool.start();
        thread.runDue();
        ready(pool, 1);
        ready(pool, 2);
        dispatch.opening = true;
        pool.requests().scale(-1);
        thread.runDue();
        WorkerProcess draining = pool.snapshot().stream().filter(w -> w.state == WorkerState.DRAINING).findFirst().orElseThrow();
        thread.advance(WorkerDrain.OPENING_WAIT.toNanos());
        assertTrue(told(draining.id).contains("drain"));
    }

    @Test
    void aReloadReplacesOneWorkerAtATimeEachAfterItsReplacementIsReady() throws IOException {
        WorkerPool pool = pool(2);
        pool.start();
        thread.runDue();
        ready(pool, 1);
        ready(pool, 2);
        pool.requests().reload();
        thread.runDue();
        assertEquals(3, launched.size(), "one replacement at a time");
        assertTrue(worker(pool, 1).awaitingReplacement(), "the oldest serves on until then");
        assertEquals(WorkerState.READY, worker(pool, 1).state);
        ready(pool, 3);
        assertEquals(WorkerState.DRAINING, worker(pool, 1).state);
        assertEquals(4, launched.size(), "then the next");
        exit(1, 0);
        assertEquals(1, pool.restarts().of(RestartReason.RELOAD));
        assertEquals(4, launched.size(), "a drained reload is replaced by the one already started");
    }

    @Test
    void aBootFailureGivesUp() {
        WorkerPool pool = pool(1);
        pool.start();
        thread.runDue();
        exit(1, dev.forkd.shared.ExitCodes.BOOT_FAILURE);
        assertEquals(List.of("workers cannot boot"), fatal);
        assertTrue(Files.exists(dir.controlSocket()));
    }
}
