package dev.forkd.supervisor.pool;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class SlotProofsTest {
    private final AtomicLong seq = new AtomicLong();
    private final List<Long> pings = new ArrayList<>();
    private final List<Runnable> later = new ArrayList<>();
    private int active;
    private final AtomicInteger released = new AtomicInteger();

    private SlotProofs proofs(int capacity) {
        return new SlotProofs("worker 1", capacity, new SlotProofs.Asker() {
            @Override
            public long nextSeq() {
                return seq.incrementAndGet();
            }

            @Override
            public boolean ping(long n) {
                pings.add(n);
                return true;
            }

            @Override
            public boolean later(Runnable task, long nanos) {
                assertEquals(SlotProofs.BATCH_NANOS, nanos);
                later.add(task);
                return true;
            }

            @Override
            public int active() {
                return active;
            }
        });
    }

    @Test
    void aCloseIsReleasedOnlyOnceALaterPingIsAnswered() {
        SlotProofs p = proofs(1);
        long earlier = seq.incrementAndGet(); // a heartbeat ping already out before the close
        p.relayStarted();
        p.relayDone(true, true, released::incrementAndGet);
        assertEquals(List.of(2L), pings, "a prefork worker is asked at once");
        p.answered(earlier);
        assertEquals(0, released.get(), "an answer to a ping sent before the close proves nothing");
        p.answered(2);
        assertEquals(1, released.get());
        assertEquals(0, p.suspects());
    }

    @Test
    void aCloseBySupervisorOrClientIsReleasedAtOnceAndOnlyCountedUntilProven() {
        SlotProofs p = proofs(1);
        p.relayStarted();
        p.relayDone(false, true, released::incrementAndGet);
        assertEquals(1, released.get(), "the client is not waiting on this worker: its slot is free");
        assertEquals(1, p.suspects(), "but it would have been taken down if the worker died");
        p.answered(pings.get(0));
        assertEquals(0, p.suspects());
    }

    @Test
    void closesWhileAPingIsOutShareTheNextOne() {
        SlotProofs p = proofs(1);
        for (int i = 0; i < 3; i++) {
            p.relayStarted();
            p.relayDone(true, true, released::incrementAndGet);
        }
        assertEquals(List.of(1L), pings, "one proof ping out at a time");
        p.answered(1);
        assertEquals(1, released.get());
        assertEquals(List.of(1L, 2L), pings, "the two that came meanwhile go with the next");
        p.answered(2);
        assertEquals(3, released.get());
    }

    @Test
    void aWorkerWithSlotsToSpareBatchesItsProofs() {
        SlotProofs p = proofs(16);
        active = 2;
        for (int i = 0; i < 5; i++) {
            p.relayStarted();
            p.relayDone(true, true, released::incrementAndGet);
        }
        assertEquals(List.of(), pings, "waits for more closes to cover");
        assertEquals(1, later.size(), "one batch scheduled");
        later.get(0).run();
        assertEquals(List.of(1L), pings, "one ping for all five");
        p.answered(1);
        assertEquals(5, released.get());
    }

    @Test
    void aWorkerShortOfSlotsIsAskedAtOnce() {
        SlotProofs p = proofs(16);
        active = 14;
        p.relayStarted();
        p.relayDone(true, true, released::incrementAndGet);
        assertEquals(List.of(1L), pings);
        assertEquals(List.of(), later);
    }

    @Test
    void anExitReleasesEverythingAndCountsWhatItTookDown() {
        SlotProofs p = proofs(4);
        active = 4;
        for (int i = 0; i < 3; i++) {
            p.relayStarted();
        }
        p.relayDone(true, true, released::incrementAndGet); // ended first, unproven: taken down too
        assertEquals(3, p.close(), "two still relayed and one unproven");
        assertEquals(1, released.get());
        p.relayDone(true, true, released::incrementAndGet);
        assertEquals(2, released.get(), "after the exit a release runs at once");
    }
}
