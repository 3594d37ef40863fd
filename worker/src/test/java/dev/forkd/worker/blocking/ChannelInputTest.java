package dev.forkd.worker.blocking;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import org.junit.jupiter.api.Test;

class ChannelInputTest {

    /** Hands out {@code data} at most {@code chunk} bytes per read, counting the reads (each one a system call in a worker). */
    private static final class CountingChannel implements ReadableByteChannel {
        private final ByteBuffer data;
        private final int chunk;
        int reads;

        CountingChannel(byte[] data, int chunk) {
            this.data = ByteBuffer.wrap(data);
            this.chunk = chunk;
        }

        @Override
        public int read(ByteBuffer dst) {
            reads++;
            if (!data.hasRemaining()) {
                return -1;
            }
            int n = Math.min(Math.min(chunk, dst.remaining()), data.remaining());
            ByteBuffer slice = data.slice().limit(n);
            dst.put(slice);
            data.position(data.position() + n);
            return n;
        }

        @Override
        public boolean isOpen() {
            return true;
        }

        @Override
        public void close() {
        }
    }

    private static byte[] bytes(int n) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) (i * 31);
        }
        return b;
    }

    private static ByteBuffer empty(int capacity) {
        return ByteBuffer.allocate(capacity).flip();
    }

    @Test
    void readingByteByByteReadsTheChannelABufferAtATime() throws IOException {
        byte[] data = bytes(10_000);
        CountingChannel ch = new CountingChannel(data, 1 << 20);
        ChannelInput in = new ChannelInput(ch, empty(4096));
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        for (int b; (b = in.read()) >= 0; ) {
            got.write(b);
        }
        assertArrayEquals(data, got.toByteArray());
        // 4096 + 4096 + 1808, then the end of stream: not one read per byte
        assertEquals(4, ch.reads);
    }

    @Test
    void theBytesThatCameWithTheHeaderComeFirst() throws IOException {
        ByteBuffer initial = ByteBuffer.allocate(64).put("early ".getBytes()).flip();
        ChannelInput in = new ChannelInput(new CountingChannel("late".getBytes(), 100), initial);
        assertEquals("early late", new String(in.readAllBytes()));
    }

    @Test
    void aLargeReadGoesStraightIntoTheCallersArray() throws IOException {
        byte[] data = bytes(100_000);
        CountingChannel ch = new CountingChannel(data, 1 << 20);
        ChannelInput in = new ChannelInput(ch, empty(4096));
        byte[] into = new byte[100_000];
        assertEquals(100_000, in.read(into, 0, into.length), "one read, not capped at the buffer's 4096");
        assertArrayEquals(data, into);
        assertEquals(1, ch.reads);
    }

    @Test
    void aReadReturnsWhatOneChannelReadBroughtWithoutWaitingForMore() throws IOException {
        ChannelInput in = new ChannelInput(new CountingChannel(bytes(300), 100), empty(4096));
        byte[] into = new byte[1000];
        assertEquals(100, in.read(into, 0, 1000));
        assertEquals(100, in.read(into, 0, 1000));
        assertEquals(0, in.available());
    }

    @Test
    void endOfStreamStaysAndTheChannelIsNotReadAgain() throws IOException {
        CountingChannel ch = new CountingChannel(new byte[0], 10);
        ChannelInput in = new ChannelInput(ch, empty(16));
        assertEquals(-1, in.read());
        assertEquals(-1, in.read(new byte[100], 0, 100));
        assertEquals(-1, in.read(new byte[8], 0, 8));
        assertEquals(1, ch.reads);
    }

    @Test
    void availableAndSkipWorkOnTheBuffer() throws IOException {
        ChannelInput in = new ChannelInput(new CountingChannel(bytes(50), 50), empty(64));
        assertEquals(0, in.available());
        assertEquals(10, in.skip(10), "skips within one read's worth");
        assertEquals(40, in.available());
        assertEquals(bytes(50)[10] & 0xff, in.read());
        assertEquals(0, in.read(new byte[4], 0, 0));
    }

    @Test
    void closingEndsReadingThroughIt() throws IOException {
        ChannelInput in = new ChannelInput(new CountingChannel(bytes(50), 50), ByteBuffer.wrap(new byte[] {1, 2}));
        in.close();
        IOException e = assertThrows(IOException.class, in::read);
        assertTrue(e.getMessage().contains("closed"), e.getMessage());
        assertThrows(IOException.class, () -> in.read(new byte[4], 0, 4));
        assertThrows(IOException.class, in::available);
    }
}
