package dev.forkd.bench;

import dev.forkd.shared.ProxyProtocolException;
import dev.forkd.shared.ProxyV1;
import dev.forkd.shared.ProxyV2;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
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

/**
 * The PROXY header on the data path: the supervisor encodes a v2 header for every relayed
 * connection, the worker decodes it; with --accept-proxy the supervisor also decodes v1 or v2
 * from upstream.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class ProxyHeaderBench {
    @Param({"ipv4", "ipv6"})
    public String family;

    private InetSocketAddress source;
    private InetSocketAddress destination;
    private ByteBuffer v2;
    private ByteBuffer v1;

    @Setup
    public void setUp() {
        boolean v4 = family.equals("ipv4");
        source = new InetSocketAddress(v4 ? "192.0.2.10" : "2001:db8::10", 51234);
        destination = new InetSocketAddress(v4 ? "127.0.0.1" : "::1", 8888);
        v2 = ByteBuffer.wrap(ProxyV2.encode(source, destination));
        String line = v4 ? "PROXY TCP4 192.0.2.10 127.0.0.1 51234 8888\r\n" : "PROXY TCP6 2001:db8::10 ::1 51234 8888\r\n";
        v1 = ByteBuffer.wrap(line.getBytes(StandardCharsets.US_ASCII));
    }

    @Benchmark
    public byte[] encodeV2() {
        return ProxyV2.encode(source, destination);
    }

    @Benchmark
    public Object decodeV2() throws ProxyProtocolException {
        return ProxyV2.decode(v2.duplicate());
    }

    @Benchmark
    public Object decodeV1() throws ProxyProtocolException {
        return ProxyV1.decode(v1.duplicate());
    }
}
