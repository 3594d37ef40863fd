package dev.forkd.worker.evented;

import dev.forkd.worker.common.Protocol;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.GatheringByteChannel;
import org.junit.jupiter.api.Test;

class OutboundTest {

    /** A channel that takes at most {@code budget} bytes, then nothing, as a full socket buffer. */
    private static final class Trickle implements GatheringByteChannel {
        final ByteArrayOutputStream got = new ByteArrayOutputStream();
        int budget;

        @Override
        public long write(ByteBuffer[] srcs, int offset, int length) {
            long n = 0;
            for (int i = offset; i < offset + length && budget > 0; i++) {
                while (srcs[i].hasRemaining() && budget > 0) {
                    got.write(srcs[i].get());
                    budget--;
                    n++;
                }
            }
            return n;
        }

        @Override
        public long write(ByteBuffer[] srcs) {
            return write(srcs, 0, srcs.length);
        }

        @Override
        public int write(ByteBuffer src) {
            return (int) write(new ByteBuffer[] {src});
        }

        @Override
        public boolean isOpen() {
            return true;
        }

        @Override
        public void close() {
        }
    }

    private static ByteBuffer[] parts(String... s) {
        ByteBuffer[] b = new ByteBuffer[s.length];
        for (int i = 0; i < s.length; i++) {
            b[i] = ByteBuffer.wrap(s[i].getBytes(UTF_8));
        }
        return b;
    }

    @Test
    void keepsCopiesInOrderAndWritesWhatTheChannelTakes() throws IOException {
        Outbound o = new Outbound(8, 100);
        ByteBuffer[] first = parts("ab", "c\n");
        o.add(first);
        first[0].clear().put((byte) 'X'); // the caller reuses its buffer: the queued copy is not affected
        o.add(parts("de\n"));
        assertEquals(7, o.bytes());
        Trickle ch = new Trickle();
        ch.budget = 4;
        assertFalse(o.flush(ch));
        assertEquals(3, o.bytes());
        ch.budget = 100;
        assertTrue(o.flush(ch));
        assertTrue(o.isEmpty());
        assertEquals("abc\nde\n", ch.got.toString(UTF_8));
    }

    @Test
    void watermarks() throws IOException {
        Outbound o = new Outbound(10, 100);
        o.add(parts("x".repeat(11)));
        assertTrue(o.aboveHighWater());
        assertFalse(o.belowLowWater());
        Trickle ch = new Trickle();
        ch.budget = 6;
        o.flush(ch);
        assertFalse(o.aboveHighWater());
        assertTrue(o.belowLowWater(), "5 bytes left: at most half the high-water mark");
    }

    @Test
    void aReplyPastTheCapIsRefusedWhole() throws IOException {
        Outbound o = new Outbound(10, 20);
        o.add(parts("x".repeat(15)));
        IOException e = assertThrows(IOException.class, () -> o.add(parts("y".repeat(6))));
        assertTrue(e.getMessage().contains("cap 20"), e.getMessage());
        assertEquals(15, o.bytes(), "nothing of the refused reply is queued");
    }

    @Test
    void sendWritesAtOnceWhenNothingWaitsAndQueuesOnlyWhatTheChannelLeft() throws IOException {
        Outbound o = new Outbound(8, 100);
        Trickle ch = new Trickle();
        ch.budget = 100;
        assertFalse(o.send(ch, parts("ab", "c\n")), "all taken: nothing waits");
        ch.budget = 2;
        assertTrue(o.send(ch, parts("de\n")));
        assertEquals(1, o.bytes(), "the byte the channel did not take");
        ch.budget = 100;
        assertTrue(o.send(ch, parts("f\n")), "behind what waits: queued, not written around it");
        assertEquals("abc\nde", ch.got.toString(UTF_8));
        assertTrue(o.flush(ch));
        assertEquals("abc\nde\nf\n", ch.got.toString(UTF_8), "in order");
    }

    @Test
    void sendPastTheCapIsRefusedAsCapExceeded() throws IOException {
        Outbound o = new Outbound(10, 20);
        Trickle full = new Trickle();
        o.send(full, parts("x".repeat(15)));
        assertThrows(Outbound.CapExceeded.class, () -> o.send(full, parts("y".repeat(6))));
        assertEquals(15, o.bytes());
    }

    @Test
    void boundsFollowTheProtocol() {
        Outbound o = Outbound.forProtocol(new Protocol(dev.forkd.shared.framing.Framing.LINE, 1 << 20, 0, 4096, 0));
        assertTrue(o.belowLowWater());
        assertThrows(IllegalArgumentException.class, () -> new Outbound(10, 5));
    }
}
