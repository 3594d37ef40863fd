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
    private ByteBuffer v2Tls;

    @Setup
    public void setUp() {
        boolean v4 = family.equals("ipv4");
        source = new InetSocketAddress(v4 ? "192.0.2.10" : "2001:db8::10", 51234);
        destination = new InetSocketAddress(v4 ? "127.0.0.1" : "::1", 8888);
        v2 = ByteBuffer.wrap(ProxyV2.encode(source, destination));
        String line = v4 ? "PROXY TCP4 192.0.2.10 127.0.0.1 51234 8888\r\n" : "PROXY TCP6 2001:db8::10 ::1 51234 8888\r\n";
        v1 = ByteBuffer.wrap(line.getBytes(StandardCharsets.US_ASCII));
        v2Tls = withTlsTlvs(ProxyV2.encode(source, destination));
    }

    /** {@code header} with what the supervisor sends for a mutual-TLS client: ALPN, SNI, and PP2_TYPE_SSL with version, CN and cipher. */
    private static ByteBuffer withTlsTlvs(byte[] header) {
        byte[] ssl = cat(new byte[] {0x03, 0, 0, 0, 0}, tlv(0x21, "TLSv1.3"), tlv(0x22, "client-0042.example.com"), tlv(0x23, "TLS_AES_128_GCM_SHA256"));
        byte[] tlvs = cat(tlv(0x01, "http/1.1"), tlv(0x02, "api.example.com"), tlv(0x20, ssl));
        ByteBuffer b = ByteBuffer.allocate(header.length + tlvs.length).put(header).put(tlvs);
        b.putShort(14, (short) (header.length - ProxyV2.FIXED_LENGTH + tlvs.length));
        return b.flip();
    }

    private static byte[] tlv(int type, String value) {
        return tlv(type, value.getBytes(StandardCharsets.UTF_8));
    }

    private static byte[] tlv(int type, byte[] value) {
        return cat(new byte[] {(byte) type, (byte) (value.length >> 8), (byte) value.length}, value);
    }

    private static byte[] cat(byte[]... parts) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }

    @Benchmark
    public byte[] encodeV2() {
        return ProxyV2.encode(source, destination);
    }

    @Benchmark
    public Object decodeV2() throws ProxyProtocolException {
        return ProxyV2.decode(v2.duplicate());
    }

    /** The worker's decode of a header carrying TLS facts: the TLVs' strings and their UTF-8 checks. */
    @Benchmark
    public Object decodeV2WithTlsTlvs() throws ProxyProtocolException {
        return ProxyV2.decode(v2Tls.duplicate());
    }

    @Benchmark
    public Object decodeV1() throws ProxyProtocolException {
        return ProxyV1.decode(v1.duplicate());
    }
}
