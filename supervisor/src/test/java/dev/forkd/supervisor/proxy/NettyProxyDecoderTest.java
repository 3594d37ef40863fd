package dev.forkd.supervisor.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.forkd.shared.FuzzInput;
import dev.forkd.shared.ProxyHeader;
import dev.forkd.shared.ProxyHeaderGen;
import dev.forkd.shared.ProxyProtocolException;
import dev.forkd.shared.ProxySsl;
import dev.forkd.shared.ProxyTlvs;
import dev.forkd.shared.ProxyV1;
import dev.forkd.shared.ProxyV2;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.haproxy.HAProxyCommand;
import io.netty.handler.codec.haproxy.HAProxyMessage;
import io.netty.handler.codec.haproxy.HAProxyMessageDecoder;
import io.netty.handler.codec.haproxy.HAProxyProtocolException;
import io.netty.handler.codec.haproxy.HAProxyProxiedProtocol;
import io.netty.handler.codec.haproxy.HAProxySSLTLV;
import io.netty.handler.codec.haproxy.HAProxyTLV;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.ByteBuffer;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.junit.jupiter.api.Test;

/**
 * netty-codec-haproxy's HAProxyMessageDecoder, which the Netty data path uses for
 * {@code --accept-proxy}, fed what forkd's own PROXY decoders are fuzzed with (shared's corpora,
 * cut into the same reads) and shared's random headers, valid and damaged. A header both accept
 * gives the same addresses, length and TLV facts; a header that never ends is refused at netty's
 * limit once more bytes come. Every other disagreement, exceptions other than
 * HAProxyProtocolException included, must be of a kind listed (and explained) in {@link #KNOWN}:
 * a new kind fails the test. {@link NettyProxyDecoderLimitsTest} pins the limits and the one
 * kind of exception that escapes.
 */
class NettyProxyDecoderTest {
    private static final Logger LOG = LogManager.getLogger(NettyProxyDecoderTest.class);

    /** What a decoder made of all the bytes. */
    private record Outcome(Kind kind, InetSocketAddress source, InetSocketAddress destination, int consumed, ProxyTlvs tlvs, String detail) {
        static Outcome of(Kind kind, String detail) {
            return new Outcome(kind, null, null, 0, ProxyTlvs.NONE, detail);
        }
    }

    private enum Kind { HEADER, LOCAL, ERROR, MORE, OTHER_EXCEPTION }

    private static Outcome netty(byte[] payload, List<int[]> chunks) {
        EmbeddedChannel ch = new EmbeddedChannel(new HAProxyMessageDecoder());
        try {
            for (int[] c : chunks) {
                try {
                    ch.writeInbound(Unpooled.wrappedBuffer(payload, c[0], c[1] - c[0]));
                } catch (HAProxyProtocolException e) {
                    assertFalse(ch.isOpen(), "HAProxyMessageDecoder closes the channel when it refuses a header");
                    return Outcome.of(Kind.ERROR, NettyChannels.chain(e));
                } catch (RuntimeException e) {
                    return Outcome.of(Kind.OTHER_EXCEPTION, NettyChannels.chain(e));
                }
                Object first = ch.readInbound();
                if (first instanceof HAProxyMessage m) {
                    int leftover = 0;
                    for (Object o; (o = ch.readInbound()) != null; ) {
                        leftover += ((ByteBuf) o).readableBytes();
                        ((ByteBuf) o).release();
                    }
                    // what was written after this chunk is not in the channel yet
                    int consumed = c[1] - leftover;
                    try {
                        return fromNetty(m, consumed);
                    } finally {
                        m.release();
                    }
                }
                if (first != null) {
                    ((ByteBuf) first).release();
                    return Outcome.of(Kind.OTHER_EXCEPTION, "bytes passed on before any header");
                }
            }
            return Outcome.of(Kind.MORE, "");
        } finally {
            try {
                ch.finishAndReleaseAll();
            } catch (HAProxyProtocolException e) {
                // netty's decoder closes the channel as it refuses, and channelInactive makes it decode what is left and refuse again; the first refusal counts
                assertFalse(ch.isOpen());
            }
        }
    }

    private static Outcome fromNetty(HAProxyMessage m, int consumed) {
        if (m.command() == HAProxyCommand.LOCAL) {
            return new Outcome(Kind.LOCAL, null, null, consumed, ProxyTlvs.NONE, "");
        }
        HAProxyProxiedProtocol.AddressFamily f = m.proxiedProtocol().addressFamily();
        if (f != HAProxyProxiedProtocol.AddressFamily.AF_IPv4 && f != HAProxyProxiedProtocol.AddressFamily.AF_IPv6) {
            return new Outcome(Kind.HEADER, null, null, consumed, f == HAProxyProxiedProtocol.AddressFamily.AF_UNIX ? facts(m.tlvs()) : ProxyTlvs.NONE,
                    m.proxiedProtocol().toString());
        }
        return new Outcome(Kind.HEADER, address(m.sourceAddress(), m.sourcePort()), address(m.destinationAddress(), m.destinationPort()), consumed,
                facts(m.tlvs()), "");
    }

    /**
     * netty's TLV list as forkd's ProxyTlvs: the first ALPN, AUTHORITY and SSL (netty keeps
     * repeats; netty also lists an SSL TLV's sub-TLVs after it at the top level, skipped here).
     */
    private static ProxyTlvs facts(List<HAProxyTLV> tlvs) {
        String alpn = null;
        String authority = null;
        ProxySsl ssl = null;
        for (HAProxyTLV t : tlvs) {
            int type = t.typeByteValue() & 0xFF;
            if (type == 0x01 && alpn == null) {
                alpn = t.content().toString(StandardCharsets.UTF_8);
            } else if (type == 0x02 && authority == null) {
                authority = t.content().toString(StandardCharsets.UTF_8);
            } else if (t instanceof HAProxySSLTLV x && ssl == null) {
                String[] sub = new String[5];
                for (HAProxyTLV e : x.encapsulatedTLVs()) {
                    int i = (e.typeByteValue() & 0xFF) - 0x21;
                    if (i >= 0 && i < 5 && sub[i] == null) {
                        sub[i] = e.content().toString(StandardCharsets.UTF_8);
                    }
                }
                ssl = new ProxySsl(x.client() & 0xFF, x.verify(), sub[0], sub[1], sub[2], sub[3], sub[4]);
            }
        }
        return alpn == null && authority == null && ssl == null ? ProxyTlvs.NONE : new ProxyTlvs(alpn, authority, ssl);
    }

    private static InetSocketAddress address(String literal, int port) {
        try {
            // HAProxyMessage has checked it is an IP literal: no name lookup happens
            return new InetSocketAddress(InetAddress.getByName(literal), port);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** forkd's decoders as the Preamble picks them, with no bound below the protocol's own (netty's default has none). */
    private static Outcome ours(byte[] p) {
        ByteBuffer b = ByteBuffer.wrap(p);
        try {
            ProxyHeader h = p.length > 0 && p[0] == 'P' ? ProxyV1.decode(b) : ProxyV2.decode(b);
            if (h == null) {
                return Outcome.of(Kind.MORE, "");
            }
            return new Outcome(h.local() ? Kind.LOCAL : Kind.HEADER, h.source(), h.destination(), b.position(), h.tlvs(), "");
        } catch (ProxyProtocolException e) {
            return Outcome.of(Kind.ERROR, e.getMessage());
        }
    }

    /**
     * The disagreements between the decoders that are understood, by kind, and which side the
     * spec (haproxy's doc/proxy-protocol.txt) is on. A kind not listed here fails the test.
     */
    static final Map<String, String> KNOWN = Map.ofEntries(
            Map.entry("forkd refuses: CRC32C", "spec 2.2.3: a receiver that supports the checksum MUST treat a wrong one as invalid; netty does not check it"),
            Map.entry("forkd refuses: not UTF-8", "spec 2.2.2/2.2.6 define AUTHORITY and CN as UTF-8; forkd refuses other bytes, netty passes them on"),
            Map.entry("forkd refuses: repeated", "spec silent; forkd refuses a second ALPN/AUTHORITY/SSL/CN..., which a handler could not tell from the first; netty lists both"),
            Map.entry("forkd refuses: only 0 left in its container",
                    "the last 3 bytes are a TLV header whose value runs past the end; HAProxy refuses it, netty reads a TLV only while 4 bytes are left and ignores it"),
            Map.entry("forkd refuses: cut short", "1 or 2 bytes after the last TLV: no TLV fits (spec 2.2); HAProxy refuses them, netty stops reading at fewer than 4 bytes and ignores them"),
            Map.entry("forkd refuses: unique-id", "spec 2.2.5: up to 128 bytes; HAProxy refuses more, netty does not look"),
            Map.entry("forkd refuses: bad port", "spec 2.1: heading zeroes are not permitted in a v1 port; netty takes 0443"),
            Map.entry("netty refuses: unknown transport protocol + address family",
                    "family/protocol bytes outside the spec's list of expected ones (0x01, 0x02, 0x10, 0x20, 0x30...): spec 2.2 lets a receiver take UNSPEC or refuse it; forkd takes it, without an address"),
            Map.entry("netty refuses: invalid port: 0", "spec 2.1: a v1 port is in [0..65535]; netty refuses port 0, forkd takes it"),
            Map.entry("netty throws: IndexOutOfBoundsException",
                    "a TLV or SSL sub-TLV longer than what holds it: netty's TLV reader reads past its slice; "
                            + "a DecoderException, not HAProxyProtocolException, and the decoder leaves the channel open: the engine must close on it"),
            Map.entry("netty drops: a trailing empty TLV",
                    "netty reads a TLV only while 4 bytes are left, so a last TLV with an empty value (3 bytes, e.g. ALPN \"\") is lost; spec 2.2 allows it"),
            Map.entry("netty later", "forkd refuses from the first bytes that cannot start a header (bad signature at byte 1, LF without CR); "
                    + "netty waits for 13 bytes to choose v1 or v2, or for its line limit, then refuses: checked with more bytes sent"));

    /** Runs one input through both; records a disagreement under its kind. */
    private static void compare(byte[] p, List<int[]> chunks, Map<String, List<String>> seen, String name) {
        Outcome n = netty(p, chunks);
        Outcome o = ours(p);
        String kind = classify(p, chunks, n, o);
        if (kind != null) {
            seen.computeIfAbsent(kind, k -> new ArrayList<>()).add(name + ": netty " + n.kind() + " " + n.detail() + " " + n.tlvs()
                    + " / forkd " + o.kind() + " " + o.detail() + " " + o.tlvs());
        }
    }

    private static String classify(byte[] p, List<int[]> chunks, Outcome n, Outcome o) {
        if (n.kind() == Kind.OTHER_EXCEPTION) {
            return n.detail().contains("IndexOutOfBoundsException") && o.kind() == Kind.ERROR
                    ? "netty throws: IndexOutOfBoundsException" : "netty: other exception";
        }
        if (n.kind() == o.kind()) {
            if (n.kind() == Kind.HEADER || n.kind() == Kind.LOCAL) {
                if (!Objects.equals(n.source(), o.source()) || !Objects.equals(n.destination(), o.destination())) {
                    return "different addresses";
                }
                if (n.consumed() != o.consumed()) {
                    return "different header length";
                }
                if (!n.tlvs().equals(o.tlvs())) {
                    return onlyEmptyValuesLost(n.tlvs(), o.tlvs()) ? "netty drops: a trailing empty TLV" : "different TLVs";
                }
            }
            return null;
        }
        if (n.kind() == Kind.HEADER && o.kind() == Kind.ERROR) {
            return reason("forkd refuses: ", o.detail());
        }
        if (n.kind() == Kind.ERROR && o.kind() == Kind.HEADER) {
            return reason("netty refuses: ", n.detail());
        }
        if (n.kind() == Kind.MORE && o.kind() == Kind.ERROR) {
            // a header that never ends: netty must refuse it by its limit once more bytes come
            byte[] more = Arrays.copyOf(p, p.length + 200);
            Arrays.fill(more, p.length, more.length, (byte) 'x');
            List<int[]> longer = new ArrayList<>(chunks);
            longer.add(new int[] {p.length, more.length});
            return netty(more, longer).kind() == Kind.ERROR ? "netty later" : "netty never refuses";
        }
        return n.kind() + " vs " + o.kind();
    }

    private static String reason(String prefix, String message) {
        for (String k : KNOWN.keySet()) {
            if (k.startsWith(prefix) && message.contains(k.substring(prefix.length()))) {
                return k;
            }
        }
        return prefix + message;
    }

    /** True if netty's TLVs differ from ours only by empty values (3-byte TLVs, which netty loses at the end of their container) it lacks. */
    private static boolean onlyEmptyValuesLost(ProxyTlvs netty, ProxyTlvs ours) {
        if (!lostOrEqual(netty.alpn(), ours.alpn()) || !lostOrEqual(netty.authority(), ours.authority())) {
            return false;
        }
        ProxySsl n = netty.ssl();
        ProxySsl o = ours.ssl();
        if (n == null || o == null) {
            return n == o;
        }
        return n.client() == o.client() && n.verify() == o.verify() && lostOrEqual(n.version(), o.version())
                && lostOrEqual(n.commonName(), o.commonName()) && lostOrEqual(n.cipher(), o.cipher())
                && lostOrEqual(n.signatureAlgorithm(), o.signatureAlgorithm()) && lostOrEqual(n.keyAlgorithm(), o.keyAlgorithm());
    }

    private static boolean lostOrEqual(String netty, String ours) {
        return Objects.equals(netty, ours) || (netty == null && "".equals(ours));
    }

    /** The checked-in inputs of shared's PROXY fuzz tests, from its test-jar (or test-classes in the reactor). */
    private static Map<String, byte[]> corpus() throws IOException, URISyntaxException {
        Map<String, byte[]> out = new TreeMap<>();
        for (String dir : new String[] {"dev/forkd/shared/ProxyV1FuzzTestInputs/decode", "dev/forkd/shared/ProxyV2FuzzTestInputs/decode"}) {
            URL url = FuzzInput.class.getClassLoader().getResource(dir);
            assertTrue(url != null, "shared's corpus on the class path: " + dir);
            URI uri = url.toURI();
            if (uri.getScheme().equals("jar")) {
                try (FileSystem fs = FileSystems.newFileSystem(uri, Map.of())) {
                    read(fs.getPath(dir), out);
                }
            } else {
                read(Path.of(uri), out);
            }
        }
        assertTrue(out.size() > 40, "the corpora: " + out.keySet());
        return out;
    }

    private static void read(Path dir, Map<String, byte[]> out) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                out.put(dir.getParent().getFileName() + "/" + f.getFileName(), Files.readAllBytes(f));
            }
        }
    }

    @Test
    void theCorpora() throws Exception {
        Map<String, List<String>> seen = new TreeMap<>();
        for (Map.Entry<String, byte[]> e : corpus().entrySet()) {
            FuzzInput in = FuzzInput.parse(e.getValue());
            compare(in.payload(), in.chunks(), seen, e.getKey());
        }
        assertOnlyKnown(seen);
    }

    @Test
    void theGenerators() {
        Map<String, List<String>> seen = new TreeMap<>();
        Random r = new Random(1414);
        for (int i = 0; i < 3000; i++) {
            ProxyHeaderGen.Case c = switch (i % 4) {
                case 0 -> ProxyHeaderGen.v2(r);
                case 1 -> ProxyHeaderGen.v1(r);
                case 2 -> ProxyHeaderGen.damage(r, ProxyHeaderGen.v2(r));
                default -> ProxyHeaderGen.damage(r, ProxyHeaderGen.v1(r));
            };
            byte[] p = c.bytes();
            List<int[]> chunks = new ArrayList<>();
            for (int at = 0; at < p.length; ) {
                int to = Math.min(p.length, at + 1 + r.nextInt(40));
                chunks.add(new int[] {at, to});
                at = to;
            }
            compare(p, chunks, seen, c.what());
        }
        assertOnlyKnown(seen);
    }

    private static void assertOnlyKnown(Map<String, List<String>> seen) {
        Map<String, List<String>> unknown = new TreeMap<>(seen);
        unknown.keySet().removeAll(KNOWN.keySet());
        assertEquals(Map.of(), unknown, "disagreements of a kind not understood; understood ones seen: " + seen.keySet());
        LOG.info("netty-codec-haproxy and forkd's decoders disagree, as understood, on: {}", seen.keySet());
    }
}
