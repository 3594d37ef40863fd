package dev.forkd.bench;

import dev.forkd.shared.framing.FrameEncoder;
import dev.forkd.shared.framing.Framing;
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

/** Framing one reply: the buffers a worker hands to its gathering write, per message. */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class FramingEncodeBench {
    @Param({"LENGTH", "LINE", "FIXED", "RAW"})
    public Framing framing;

    private FrameEncoder encoder;
    private ByteBuffer payload;

    @Setup
    public void setUp() {
        encoder = Framings.encoder(framing, 64);
        payload = ByteBuffer.wrap(new byte[64]);
    }

    @Benchmark
    public ByteBuffer[] encode() {
        return encoder.encode(payload.duplicate());
    }
}
