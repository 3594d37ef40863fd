package dev.forkd.worker.pubsub;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class OutboxTest {
    private static ByteBuffer text(String s) {
        return ByteBuffer.wrap(s.getBytes(StandardCharsets.UTF_8));
    }

    /** A sink that blocks until released, like a client that stops reading. */
    private static final class StuckSink implements Outbox.Sink {
        final CountDownLatch release = new CountDownLatch(1);
        final CountDownLatch entered = new CountDownLatch(1);
        final List<String> written = new ArrayList<>();
        final CountDownLatch closed = new CountDownLatch(1);

        @Override
        public void write(List<ByteBuffer> payloads) throws IOException {
            entered.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                throw new IOException(e);
            }
            synchronized (written) {
                for (ByteBuffer b : payloads) {
                    written.add(StandardCharsets.UTF_8.decode(b).toString());
                }
            }
        }

        @Override
        public void close() {
            closed.countDown();
        }
    }

    @Test
    void aFullOutboxRefusesWithoutBlockingAndKeepsItsBound() throws Exception {
        Outbox outbox = new Outbox(3);
        StuckSink sink = new StuckSink();
        outbox.start("outbox-test", sink);
        assertTrue(outbox.offer(text("m0")));
        outbox.wake();
        assertTrue(sink.entered.await(10, TimeUnit.SECONDS), "the writer took m0 and is stuck writing it");
        assertTrue(outbox.offer(text("m1")));
        assertTrue(outbox.offer(text("m2")));
        assertTrue(outbox.offer(text("m3")));
        long t0 = System.nanoTime();
        assertFalse(outbox.offer(text("m4")), "past the bound");
        assertTrue(System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(1), "refusing does not wait for the writer");
        assertEquals(3, outbox.size());
        outbox.wake();
        sink.release.countDown();
        outbox.closeWhenEmpty();
        assertTrue(sink.closed.await(10, TimeUnit.SECONDS), "closed once everything queued is written");
        assertEquals(List.of("m0", "m1", "m2", "m3"), sink.written, "in order, nothing lost before the close");
    }

    @Test
    void closeDropsWhatIsQueuedAndLaterOffersAreIgnored() throws Exception {
        Outbox outbox = new Outbox(2);
        outbox.offer(text("a"));
        outbox.close();
        assertEquals(0, outbox.size());
        assertTrue(outbox.offer(text("b")), "accepted and dropped: the connection is gone, nobody is slow");
        assertEquals(0, outbox.size());
    }

    @Test
    void anEventLoopIsWokenWhenTheOutboxStopsBeingEmptyAndOnACloseRequest() {
        Outbox outbox = new Outbox(8);
        int[] wakes = {0};
        outbox.onFirst(() -> wakes[0]++);
        outbox.wake();
        assertEquals(0, wakes[0], "nothing queued, nothing to wake for");
        outbox.offer(text("a"));
        outbox.offer(text("b"));
        assertEquals(1, wakes[0], "once per burst, not per message");
        assertEquals("a", StandardCharsets.UTF_8.decode(outbox.poll()).toString());
        assertEquals("b", StandardCharsets.UTF_8.decode(outbox.poll()).toString());
        outbox.offer(text("c"));
        assertEquals(2, wakes[0]);
        outbox.poll();
        outbox.closeWhenEmpty();
        assertEquals(3, wakes[0], "a close request wakes the loop, which finds nothing left and closes");
        assertTrue(outbox.closeRequested());
    }
}
