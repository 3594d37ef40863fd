package dev.forkd.supervisor.dispatch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.UncheckedIOException;
import io.netty.channel.Channel;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class DispatcherTest {
    private static final Duration LONG = Duration.ofMinutes(1);
    private static final Duration WAIT = Duration.ofSeconds(5);

    private final ScheduledThreadPoolExecutor timer = new ScheduledThreadPoolExecutor(1);
    private final FakeConnector connector = new FakeConnector();
    private final DispatchStats stats = new DispatchStats();
    private final List<Channel> clients = new ArrayList<>();
    private final List<Thread> threads = new ArrayList<>();

    @AfterEach
    void tearDown() throws IOException {
        timer.shutdownNow();
        threads.forEach(Thread::interrupt);
        for (Channel c : clients) {
            c.close();
        }
    }

    record FakeTarget(int id, int capacity, Path socket) implements Dispatcher.Target {
        FakeTarget(int id, int capacity) {
            this(id, capacity, Path.of("worker-" + id + ".sock"));
        }
    }

    /** Records each open; starts the relay unless the target was marked unreachable. */
    static final class FakeConnector implements Dispatcher.Connector<Dispatcher.Target> {
        record Call(Dispatcher.Target target, Channel client) {
        }

        final List<Call> calls = new CopyOnWriteArrayList<>();
        final Set<Dispatcher.Target> unreachable = ConcurrentHashMap.newKeySet();
        /** Runs just before WORKER_UNREACHABLE is answered, outside the dispatcher's lock. */
        volatile Consumer<Call> onUnreachable = c -> { };

        @Override
        public void open(Dispatcher.Target target, AcceptedClient client, Consumer<Dispatcher.OpenResult> done) {
            Call call = new Call(target, client.channel);
            calls.add(call);
            if (unreachable.contains(target)) {
                onUnreachable.accept(call);
                done.accept(Dispatcher.OpenResult.WORKER_UNREACHABLE);
                return;
            }
            done.accept(Dispatcher.OpenResult.STARTED);
        }

        Call last() {
            return calls.get(calls.size() - 1);
        }

        Set<Dispatcher.Target> targets() {
            return calls.stream().map(Call::target).collect(Collectors.toSet());
        }

        long callsTo(Dispatcher.Target t) {
            return calls.stream().filter(c -> c.target().equals(t)).count();
        }
    }

    private Dispatcher<Dispatcher.Target> dispatcher(int queueBound, Duration queueTimeout, Dispatcher.Target... targets) {
        Dispatcher<Dispatcher.Target> d = new Dispatcher<>(queueBound, queueTimeout, timer, connector, stats);
        for (Dispatcher.Target t : targets) {
            d.addTarget(t);
        }
        return d;
    }

    /** A client token: an open channel. */
    private Channel client() {
        Channel ch = new EmbeddedChannel();
        clients.add(ch);
        return ch;
    }

    private Channel submit(Dispatcher<Dispatcher.Target> d) {
        Channel ch = client();
        d.submit(new AcceptedClient(ch));
        return ch;
    }


    private static void awaitTrue(BooleanSupplier condition, String what) {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("timed out waiting until " + what);
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
        }
    }

    @Test
    void leastConnectionsWinsAndTiesRotate() {
        FakeTarget a = new FakeTarget(1, 10);
        FakeTarget b = new FakeTarget(2, 10);
        FakeTarget c = new FakeTarget(3, 10);
        Dispatcher<Dispatcher.Target> d = dispatcher(10, LONG, a, b, c);

        for (int i = 0; i < 3; i++) {
            submit(d);
        }
        assertEquals(Set.of(a, b, c), connector.targets(), "three ties go to three different workers");

        d.release(b);
        submit(d);
        assertEquals(b, connector.last().target(), "the least loaded worker gets the next one");

        connector.calls.clear();
        for (int i = 0; i < 3; i++) {
            submit(d);
        }
        assertEquals(Set.of(a, b, c), connector.targets(), "ties rotate again");
        assertEquals(6, d.active());
    }

    @Test
    void capacityIsRespected() {
        FakeTarget a = new FakeTarget(1, 1);
        FakeTarget b = new FakeTarget(2, 2);
        Dispatcher<Dispatcher.Target> d = dispatcher(10, LONG, a, b);

        for (int i = 0; i < 4; i++) {
            submit(d);
        }
        assertEquals(1, d.active(a));
        assertEquals(2, d.active(b));
        assertEquals(3, connector.calls.size());
        assertEquals(1, d.queued());
    }

    @Test
    void queueIsServedOldestFirst() {
        FakeTarget a = new FakeTarget(1, 1);
        Dispatcher<Dispatcher.Target> d = dispatcher(10, LONG, a);
        submit(d);
        Channel first = submit(d);
        Channel second = submit(d);
        Channel third = submit(d);
        assertEquals(3, d.queued());

        d.release(a);
        assertEquals(first, connector.last().client());
        d.release(a);
        assertEquals(second, connector.last().client());
        d.release(a);
        assertEquals(third, connector.last().client());

        assertEquals(0, d.queued());
        assertEquals(4, stats.accepted.sum());
        assertEquals(3, stats.queued.sum());
        assertEquals(3, stats.queueWait.count.sum());
    }

    @Test
    void queueTimeoutClosesTheWaitingConnection() {
        FakeTarget a = new FakeTarget(1, 1);
        Dispatcher<Dispatcher.Target> d = dispatcher(10, Duration.ofMillis(100), a);
        Channel served = submit(d);
        Channel waiting = submit(d);

        awaitTrue(() -> !waiting.isOpen(), "the queued connection is closed");
        assertEquals(1, stats.queueTimedOut.sum());
        assertEquals(0, d.queued());
        assertTrue(served.isOpen());

        d.release(a);
        assertEquals(1, connector.calls.size(), "a timed-out connection is not dispatched later");
    }

    @Test
    void fullQueueRejectsAndCloses() {
        Dispatcher<Dispatcher.Target> d = dispatcher(1, LONG, new FakeTarget(1, 1));
        submit(d);
        Channel queued = submit(d);
        Channel rejected = submit(d);

        assertFalse(rejected.isOpen());
        assertTrue(queued.isOpen());
        assertEquals(1, stats.rejected.sum());
        assertEquals(1, d.queued());
    }

    @Test
    void unreachableWorkerIsTakenOutAndTheConnectionGoesElsewhere() {
        FakeTarget a = new FakeTarget(1, 1);
        FakeTarget b = new FakeTarget(2, 1);
        connector.unreachable.add(a);
        Dispatcher<Dispatcher.Target> d = dispatcher(10, LONG, a, b);
        List<Dispatcher.Target> told = new CopyOnWriteArrayList<>();
        d.onUnreachable(told::add);

        Channel ch = submit(d);
        assertEquals(List.of(new FakeConnector.Call(a, ch), new FakeConnector.Call(b, ch)), connector.calls);
        assertEquals(1, stats.redispatched.sum());
        assertEquals(List.of(a), told, "the pool is told, so that it can find out why and replace the worker");
        assertEquals(0, d.active(a));
        assertEquals(1, d.active(b));

        submit(d);
        assertEquals(1, d.queued(), "the unreachable worker gets nothing more");
        assertEquals(1, connector.callsTo(a));
    }

    @Test
    void unreachableWorkerWhileServingTheQueueKeepsTheConnectionAtTheHead() {
        FakeTarget a = new FakeTarget(1, 1);
        FakeTarget b = new FakeTarget(2, 1);
        Dispatcher<Dispatcher.Target> d = dispatcher(10, LONG, a);
        submit(d);
        Channel first = submit(d);
        Channel second = submit(d);

        connector.unreachable.add(b);
        d.addTarget(b);
        assertEquals(new FakeConnector.Call(b, first), connector.last());
        assertEquals(1, stats.redispatched.sum());
        assertEquals(2, d.queued());
        assertTrue(first.isOpen());

        d.release(a);
        assertEquals(new FakeConnector.Call(a, first), connector.last());
        d.release(a);
        assertEquals(new FakeConnector.Call(a, second), connector.last());
    }

    @Test
    void noRoomWhileTheQueueIsFullUntilARelease() {
        FakeTarget a = new FakeTarget(1, 1);
        Dispatcher<Dispatcher.Target> d = dispatcher(1, LONG, a);
        java.util.concurrent.atomic.AtomicInteger told = new java.util.concurrent.atomic.AtomicInteger();
        d.onRoom(told::incrementAndGet);
        submit(d);
        submit(d);

        assertFalse(d.hasRoomNow(), "the listener must not accept");
        d.release(a);
        assertTrue(told.get() > 0, "the listener is told to look again");
        assertTrue(d.hasRoomNow());
    }

    @Test
    void withQueueBoundZeroThereIsNoRoomWhileNoSlotIsFree() {
        FakeTarget a = new FakeTarget(1, 1);
        Dispatcher<Dispatcher.Target> d = dispatcher(0, LONG, a);
        submit(d);
        assertFalse(submit(d).isOpen(), "nothing may wait");

        assertFalse(d.hasRoomNow());
        d.release(a);
        assertTrue(d.hasRoomNow());
    }

    @Test
    void removedTargetGetsNothingNewButItsConnectionsStillRelease() {
        FakeTarget a = new FakeTarget(1, 2);
        FakeTarget b = new FakeTarget(2, 1);
        Dispatcher<Dispatcher.Target> d = dispatcher(10, LONG, a, b);
        submit(d);
        assertEquals(a, connector.last().target());

        d.removeTarget(a);
        submit(d);
        assertEquals(b, connector.last().target());
        submit(d);
        assertEquals(1, d.queued(), "a has a free slot but is out");
        assertEquals(1, d.active(a));

        d.release(a);
        assertEquals(0, d.active(a));
        assertEquals(1, d.queued());
        assertEquals(1, connector.callsTo(a));

        d.release(b);
        assertEquals(b, connector.last().target());
        assertEquals(0, d.queued());
    }

    @Test
    void awaitIdleReportsIdleOrTheDeadline() throws InterruptedException {
        FakeTarget a = new FakeTarget(1, 1);
        Dispatcher<Dispatcher.Target> d = dispatcher(10, LONG, a);
        assertTrue(d.awaitIdle(System.nanoTime() + WAIT.toNanos()));

        submit(d);
        long start = System.nanoTime();
        assertFalse(d.awaitIdle(start + TimeUnit.MILLISECONDS.toNanos(100)));
        assertTrue(System.nanoTime() - start >= TimeUnit.MILLISECONDS.toNanos(100));

        d.release(a);
        assertTrue(d.awaitIdle(System.nanoTime() + WAIT.toNanos()));
    }

    @Test
    void closeClosesQueuedClientsAndRejectsNewOnes() throws InterruptedException {
        Dispatcher<Dispatcher.Target> d = dispatcher(10, LONG, new FakeTarget(1, 1));
        Channel served = submit(d);
        Channel q1 = submit(d);
        Channel q2 = submit(d);

        d.close();
        assertFalse(q1.isOpen());
        assertFalse(q2.isOpen());
        assertTrue(served.isOpen(), "live connections belong to the relay");
        assertEquals(0, d.queued());
        assertFalse(submit(d).isOpen());
        assertTrue(d.hasRoomNow(), "closed: the listener goes on, to stop");
    }

    @Test
    void closeWhileAQueuedConnectionIsBeingHandedOnStillClosesIt() {
        FakeTarget a = new FakeTarget(1, 1);
        FakeTarget b = new FakeTarget(2, 1);
        Dispatcher<Dispatcher.Target> d = dispatcher(10, LONG, a);
        submit(d);
        Channel waiting = submit(d);

        connector.unreachable.add(b);
        connector.onUnreachable = call -> d.close();
        d.addTarget(b);

        assertFalse(waiting.isOpen());
        assertEquals(0, d.queued());
    }

    @Test
    void queueTimeoutWhileBeingHandedOnStillClosesIt() {
        FakeTarget a = new FakeTarget(1, 1);
        FakeTarget b = new FakeTarget(2, 1);
        Dispatcher<Dispatcher.Target> d = dispatcher(10, Duration.ofMillis(200), a);
        submit(d);
        Channel waiting = submit(d);

        connector.unreachable.add(b);
        // the timeout fires while the dispatcher is trying b, which then turns out unreachable
        connector.onUnreachable = call -> awaitTrue(() -> timer.getCompletedTaskCount() == 1, "the queue timeout has run");
        d.addTarget(b);

        assertEquals(new FakeConnector.Call(b, waiting), connector.last(), "the timeout fired during the hand-on");
        awaitTrue(() -> !waiting.isOpen(), "the queued connection is closed");
        assertEquals(1, stats.queueTimedOut.sum());
        assertEquals(0, d.queued());
    }

    /** A target with a recycle limit (--recycle-after). */
    record LimitedTarget(int id, int capacity, long assignmentLimit) implements Dispatcher.Target {
        @Override
        public Path socket() {
            return Path.of("worker-" + id + ".sock");
        }
    }

    @Test
    void aTargetTakesNoMoreThanItsRecycleLimitAndIsReportedExhaustedOnce() {
        LimitedTarget a = new LimitedTarget(1, 10, 3);
        FakeTarget b = new FakeTarget(2, 10);
        List<Dispatcher.Target> exhausted = new CopyOnWriteArrayList<>();
        Dispatcher<Dispatcher.Target> d = dispatcher(10, LONG);
        d.onExhausted(exhausted::add);
        d.addTarget(a);
        for (int i = 0; i < 8; i++) {
            submit(d);
        }
        assertEquals(3, connector.callsTo(a), "three connections, then no more");
        assertEquals(List.of(a), exhausted);
        assertEquals(5, d.queued(), "the rest wait for a target that can take them");
        d.addTarget(b);
        assertEquals(5, connector.callsTo(b));
        assertEquals(List.of(a), exhausted, "told once");
    }

    @Test
    void whenNoOpeningCallsBackOnceTheStreamBeingOpenedHasLanded() throws Exception {
        FakeTarget a = new FakeTarget(1, 5);
        java.util.concurrent.CountDownLatch inOpen = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        Dispatcher<Dispatcher.Target> d = new Dispatcher<>(10, LONG, timer, (t, c, done) -> {
            inOpen.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            done.accept(Dispatcher.OpenResult.STARTED);
        }, stats);
        d.addTarget(a);
        assertTrue(d.whenNoOpening(a, () -> fail("nothing is being opened: the caller goes on at once")));
        Thread opener = new Thread(() -> d.submit(new AcceptedClient(client())));
        opener.start();
        threads.add(opener);
        assertTrue(inOpen.await(5, TimeUnit.SECONDS));
        java.util.concurrent.CountDownLatch landed = new java.util.concurrent.CountDownLatch(1);
        assertFalse(d.whenNoOpening(a, landed::countDown), "a drain must not start while a stream to the worker is being opened");
        assertFalse(landed.await(200, TimeUnit.MILLISECONDS));
        release.countDown();
        assertTrue(landed.await(5, TimeUnit.SECONDS), "told once the stream is in the worker's backlog");
    }

    @Test
    void anOpenThatLandsLaterHoldsItsSlotAndRedispatchesWhenUnreachable() {
        FakeTarget a = new FakeTarget(1, 1);
        FakeTarget b = new FakeTarget(2, 1);
        List<Consumer<Dispatcher.OpenResult>> pending = new CopyOnWriteArrayList<>();
        List<Dispatcher.Target> tried = new CopyOnWriteArrayList<>();
        Dispatcher<Dispatcher.Target> d = new Dispatcher<>(10, LONG, timer, (t, c, done) -> {
            tried.add(t);
            pending.add(done);
        }, stats);
        d.addTarget(a);
        d.submit(new AcceptedClient(client()));
        assertEquals(1, d.active(a), "the slot is taken while the stream is being opened");
        assertFalse(d.whenNoOpening(a, () -> { }), "an open is under way");
        d.submit(new AcceptedClient(client()));
        assertEquals(1, d.queued(), "no second slot meanwhile");
        d.addTarget(b);
        assertEquals(List.of(a, b), tried, "the queued one went to b at once");

        pending.get(0).accept(Dispatcher.OpenResult.WORKER_UNREACHABLE);
        assertEquals(0, d.active(a));
        assertEquals(1, stats.redispatched.sum());

        pending.get(1).accept(Dispatcher.OpenResult.STARTED);
        d.release(b);
        assertEquals(List.of(a, b, b), tried, "redispatched to b once b had room");
        pending.get(2).accept(Dispatcher.OpenResult.STARTED);
        assertEquals(1, d.active(b));
    }

    @Test
    void roomIsToldWhenASlotIsFreed() {
        FakeTarget a = new FakeTarget(1, 1);
        Dispatcher<Dispatcher.Target> d = dispatcher(0, LONG, a);
        java.util.concurrent.atomic.AtomicInteger told = new java.util.concurrent.atomic.AtomicInteger();
        d.onRoom(told::incrementAndGet);
        assertTrue(d.hasRoomNow());
        submit(d);
        assertFalse(d.hasRoomNow(), "no free slot and no queue");
        d.release(a);
        assertTrue(told.get() > 0);
        assertTrue(d.hasRoomNow());
    }
}
