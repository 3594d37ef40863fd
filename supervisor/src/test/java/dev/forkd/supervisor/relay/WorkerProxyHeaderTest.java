package dev.forkd.supervisor.relay;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import dev.forkd.shared.ProxyV2;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.haproxy.HAProxyMessageEncoder;
import java.net.InetSocketAddress;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Workers see the header they always saw: Netty's encoding is byte for byte that of ProxyV2.encode. */
class WorkerProxyHeaderTest {
    private static byte[] netty(InetSocketAddress source, InetSocketAddress destination) {
        EmbeddedChannel ch = new EmbeddedChannel(HAProxyMessageEncoder.INSTANCE);
        ch.writeOutbound(WorkerProxyHeader.of(source, destination, List.of()));
        ByteBuf out = ch.readOutbound();
        try {
            return ByteBufUtil.getBytes(out);
        } finally {
            out.release();
            ch.finishAndReleaseAll();
        }
    }

    private static void same(InetSocketAddress source, InetSocketAddress destination) {
        assertArrayEquals(ProxyV2.encode(source, destination), netty(source, destination), source + " -> " + destination);
    }

    @Test
    void ipv4() {
        same(new InetSocketAddress("127.0.0.1", 40000), new InetSocketAddress("127.0.0.1", 8080));
        same(new InetSocketAddress("192.0.2.1", 1), new InetSocketAddress("198.51.100.7", 65535));
    }

    @Test
    void ipv6() {
        same(new InetSocketAddress("::1", 40000), new InetSocketAddress("::1", 8080));
        same(new InetSocketAddress("2001:db8::17", 5000), new InetSocketAddress("2001:db8:0:1::2", 443));
    }

    @Test
    void mixedFamiliesAreWrittenAsIpv6WithTheIpv4OneMapped() {
        same(new InetSocketAddress("192.0.2.1", 5000), new InetSocketAddress("2001:db8::2", 443));
        same(new InetSocketAddress("2001:db8::1", 5000), new InetSocketAddress("192.0.2.2", 443));
    }
}
