package dev.forkd.worker.evented;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.forkd.shared.ProxyV2;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Pipe;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The PROXY header of an evented connection, as readiness events bring it. */
class EventedHeaderTest {
    private static final byte[] HEADER = ProxyV2.encode(new InetSocketAddress("192.0.2.7", 54321), new InetSocketAddress("127.0.0.1", 8888));

    private static Pipe pipe() throws IOException {
        Pipe p = Pipe.open();
        p.source().configureBlocking(false);
        return p;
    }

    @Test
    void aHeaderSplitOverReadsIsDoneAtItsLastByteWithTheClientsFirstBytesBehind() throws IOException {
        Pipe p = pipe();
        EventedHeader h = new EventedHeader(1, 4096);
        assertEquals(EventedHeader.Outcome.MORE, h.read(p.source()), "nothing yet");
        p.sink().write(ByteBuffer.wrap(HEADER, 0, 10));
        assertEquals(EventedHeader.Outcome.MORE, h.read(p.source()));
        ByteBuffer rest = ByteBuffer.allocate(HEADER.length - 10 + 3);
        rest.put(HEADER, 10, HEADER.length - 10).put("hi\n".getBytes(StandardCharsets.US_ASCII)).flip();
        p.sink().write(rest);
        assertEquals(EventedHeader.Outcome.DONE, h.read(p.source()));
        assertEquals(new InetSocketAddress("192.0.2.7", 54321), h.header().source());
        assertEquals("hi\n", StandardCharsets.US_ASCII.decode(h.rest()).toString());
    }

    @Test
    void aStreamEndingInsideTheHeaderCloses() throws IOException {
        Pipe p = pipe();
        EventedHeader h = new EventedHeader(2, 4096);
        p.sink().write(ByteBuffer.wrap(HEADER, 0, 5));
        p.sink().close();
        assertEquals(EventedHeader.Outcome.MORE, h.read(p.source()), "one read a readiness event: the 5 bytes");
        assertEquals(EventedHeader.Outcome.CLOSE, h.read(p.source()), "then the end");
    }

    @Test
    void bytesThatAreNoHeaderClose() throws IOException {
        Pipe p = pipe();
        EventedHeader h = new EventedHeader(3, 4096);
        p.sink().write(ByteBuffer.wrap("GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII)));
        assertEquals(EventedHeader.Outcome.CLOSE, h.read(p.source()));
    }
}
