package dev.forkd.bench;

import dev.forkd.shared.framing.FrameDecoder;
import dev.forkd.shared.framing.FrameEncoder;
import dev.forkd.shared.framing.FrameSink;
import dev.forkd.shared.framing.Framing;
import dev.forkd.shared.framing.FramingException;
import dev.forkd.shared.framing.Framings;
import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * The worker's framing codecs on a 64 KiB read buffer full of {@code size}-byte messages, as one
 * read returns it: whole frames (views, no copy) and, with {@code split}, the same bytes handed
 * over in 1000-byte reads so that frames straddle reads and go through the accumulator. Reported
 * per buffer; divide by the frames per buffer for a cost per message.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class FramingBench {
    @Param({"LENGTH", "LINE", "FIXED", "JSON"})
    public Framing framing;

    @Param({"64", "1024"})
    public int size;

    @Param({"false", "true"})
    public boolean split;

    private FrameDecoder decoder;
    private ByteBuffer stream;
    private ByteBuffer payload;
    private int frames;

    @Setup
    public void setUp() {
        decoder = Framings.decoder(framing, 1 << 20, size);
        FrameEncoder encoder = Framings.encoder(framing, size);
        byte[] body = new byte[size];
        for (int i = 0; i < size; i++) {
            body[i] = (byte) ('a' + i % 26); // never '\n', so LINE frames are exactly one message
        }
        if (framing == Framing.JSON) {
            body[0] = '"'; // one JSON string of size bytes, as forkd bench sends
            body[size - 1] = '"';
        }
        payload = ByteBuffer.wrap(body);
        int frameLength = framing == Framing.LENGTH ? size + 4 : framing == Framing.LINE || framing == Framing.JSON ? size + 1 : size;
        frames = (64 * 1024) / frameLength;
        stream = ByteBuffer.allocateDirect(frames * frameLength);
        for (int i = 0; i < frames; i++) {
            for (ByteBuffer b : encoder.encode(payload.duplicate())) {
                stream.put(b);
            }
        }
        stream.flip();
    }

    @Benchmark
    public int decode(Blackhole bh) throws FramingException {
        ByteBuffer in = stream.duplicate();
        int[] count = {0};
        FrameSink<RuntimeException> sink = f -> {
            count[0]++;
            bh.consume(f.remaining());
        };
        if (!split) {
            decoder.decode(in, sink);
        } else {
            int limit = in.limit();
            for (int p = 0; p < limit; p += 1000) {
                decoder.decode(in.duplicate().position(p).limit(Math.min(limit, p + 1000)), sink);
            }
        }
        if (count[0] != frames) {
            throw new IllegalStateException(count[0] + " frames, expected " + frames);
        }
        return count[0];
    }
}
