package dev.forkd.worker.proxy;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.forkd.shared.ProxyHeader;
import dev.forkd.shared.ProxyProtocolException;
import dev.forkd.shared.ProxyTlvBytes;
import dev.forkd.shared.ProxyV2;
import java.io.EOFException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import org.junit.jupiter.api.Test;

class ProxyHeaderReaderTest {

    /** Gives {@code chunk} bytes per read, then end of stream; or 0 bytes when {@code starve} (a non-blocking socket with nothing yet). */
    private static final class Chunks implements ReadableByteChannel {
        private final ByteBuffer data;
        private final int chunk;

        Chunks(byte[] data, int chunk) {
            this.data = ByteBuffer.wrap(data);
            this.chunk = chunk;
        }

        @Override
        public int read(ByteBuffer dst) {
            if (!data.hasRemaining()) {
                return -1;
            }
            int n = Math.min(chunk, Math.min(dst.remaining(), data.remaining()));
            dst.put(dst.position(), data, data.position(), n).position(dst.position() + n);
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

    private static byte[] cat(byte[] a, byte[] b) {
        return ByteBuffer.allocate(a.length + b.length).put(a).put(b).array();
    }

    @Test
    void aHeaderOverManyReadsThenTheClientBytesThatFollowIt() throws Exception {
        byte[] header = ProxyV2.encode(new InetSocketAddress("192.0.2.7", 5), new InetSocketAddress("127.0.0.1", 8888));
        ProxyHeaderReader r = new ProxyHeaderReader(ByteBuffer.allocate(64));
        Chunks in = new Chunks(cat(header, "hello".getBytes(UTF_8)), 3);
        ProxyHeader h;
        int reads = 0;
        while ((h = r.read(in)) == null) {
            reads++;
        }
        assertEquals(new InetSocketAddress("192.0.2.7", 5), h.source());
        assertEquals(header.length / 3, reads, "one call per read until the header is whole");
        ByteBuffer rest = r.rest();
        StringBuilder after = new StringBuilder(UTF_8.decode(rest));
        ByteBuffer more = ByteBuffer.allocate(16);
        while (in.read(more) > 0) {
            // the remaining client bytes, read as the connection would
        }
        after.append(UTF_8.decode(more.flip()));
        assertEquals("hello", after.toString());
    }

    @Test
    void aHeaderLargerThanTheBufferGrowsItOnce() throws Exception {
        byte[] header = ProxyTlvBytes.tcp4(ProxyTlvBytes.tlv(ProxyTlvBytes.NOOP, new byte[6000]));
        ProxyHeaderReader r = new ProxyHeaderReader(ByteBuffer.allocate(4096));
        Chunks in = new Chunks(cat(header, "ok".getBytes(UTF_8)), 100_000);
        assertNull(r.read(in), "4096 bytes of a 6000-byte header");
        assertNotNull(r.read(in));
        assertEquals("ok", UTF_8.decode(r.rest()).toString());
    }

    @Test
    void endOfStreamInsideTheHeaderAndAnInvalidHeaderAreTold() {
        byte[] header = ProxyV2.encode(new InetSocketAddress("192.0.2.7", 5), new InetSocketAddress("127.0.0.1", 8888));
        ProxyHeaderReader cut = new ProxyHeaderReader(ByteBuffer.allocate(64));
        Chunks half = new Chunks(java.util.Arrays.copyOf(header, 10), 100);
        assertThrows(EOFException.class, () -> {
            while (cut.read(half) == null) {
                // until the end of the stream
            }
        });
        ProxyHeaderReader bad = new ProxyHeaderReader(ByteBuffer.allocate(64));
        assertThrows(ProxyProtocolException.class, () -> bad.read(new Chunks("GET / HTTP/1.1\r\n\r\n".getBytes(UTF_8), 100)));
    }

    @Test
    void aStepAtATimeAsAnEventLoopReads() throws Exception {
        byte[] header = ProxyV2.encode(new InetSocketAddress("192.0.2.7", 54321), new InetSocketAddress("127.0.0.1", 8888));
        ProxyHeaderReader r = ProxyHeaderReader.forBufferSize(4096);
        Chunks in = new Chunks(cat(header, "hi\n".getBytes(UTF_8)), 10);
        ProxyHeaderReader.Step s;
        int steps = 0;
        while ((s = r.step(in, 1)) == ProxyHeaderReader.Step.MORE) {
            steps++;
        }
        assertEquals(ProxyHeaderReader.Step.HEADER, s);
        assertEquals((header.length - 1) / 10, steps, "one read a step");
        assertEquals(new InetSocketAddress("192.0.2.7", 54321), r.header().source());
        ByteBuffer rest = r.rest().compact();
        while (in.read(rest) > 0) {
            // the client bytes after the header, as the decoder would read them
        }
        assertEquals("hi\n", UTF_8.decode(rest.flip()).toString());
    }

    @Test
    void aStepClosesOnTheEndInsideTheHeaderOnAnInvalidOneAndOnALocalOne() throws Exception {
        byte[] header = ProxyV2.encode(new InetSocketAddress("192.0.2.7", 5), new InetSocketAddress("127.0.0.1", 8888));
        ProxyHeaderReader cut = ProxyHeaderReader.forBufferSize(4096);
        Chunks half = new Chunks(java.util.Arrays.copyOf(header, 10), 100);
        assertEquals(ProxyHeaderReader.Step.MORE, cut.step(half, 2), "the 10 bytes");
        assertEquals(ProxyHeaderReader.Step.CLOSE, cut.step(half, 2), "then the end");
        assertEquals(ProxyHeaderReader.Step.CLOSE,
                ProxyHeaderReader.forBufferSize(4096).step(new Chunks("GET / HTTP/1.1\r\n\r\n".getBytes(UTF_8), 100), 3));
        assertEquals(ProxyHeaderReader.Step.CLOSE, ProxyHeaderReader.forBufferSize(4096).step(new Chunks(ProxyV2.encodeLocal(), 100), 4),
                "a LOCAL header names no client");
        assertNull(ProxyHeaderReader.readBlocking(new Chunks(ProxyV2.encodeLocal(), 100), ByteBuffer.allocate(64), 5),
                "nor for a blocking reader");
    }
}
