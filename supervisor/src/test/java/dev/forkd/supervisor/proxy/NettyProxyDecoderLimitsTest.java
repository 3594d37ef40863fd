package dev.forkd.supervisor.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.forkd.shared.ProxyProtocolException;
import dev.forkd.shared.ProxyTlvBytes;
import dev.forkd.shared.ProxyV2;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.haproxy.HAProxyMessageDecoder;
import io.netty.handler.codec.haproxy.HAProxyProtocolException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * netty-codec-haproxy's HAProxyMessageDecoder at its edges: how much it buffers before refusing
 * a header that does not end, and how it fails on TLVs that do not fit. What the Netty data path
 * must do about it is said where it matters.
 */
class NettyProxyDecoderLimitsTest {

    /** A v1 line with no end is refused at netty's limit of 108 bytes, read one byte at a time. */
    @Test
    void aV1LineThatNeverEndsIsRefusedAtTheLimit() {
        EmbeddedChannel ch = new EmbeddedChannel(new HAProxyMessageDecoder());
        byte[] line = ("PROXY TCP4 " + "1".repeat(1000)).getBytes(StandardCharsets.US_ASCII);
        int sent = 0;
        try {
            for (; sent < line.length; sent++) {
                ch.writeInbound(Unpooled.wrappedBuffer(line, sent, 1));
            }
        } catch (HAProxyProtocolException e) {
            assertTrue(e.getMessage().contains("exceeds the allowed maximum (108)"), e.getMessage());
        }
        assertEquals(108, sent, "refused with the 109th byte");
        assertFalse(ch.isOpen());
        NettyChannels.finish(ch);
    }

    /**
     * A v2 header declaring more than the bound: netty refuses it only once more than the bound
     * has arrived (forkd's ProxyV2 refuses it from its 16-byte fixed part), so what it buffers
     * stays within the bound plus one read.
     */
    @Test
    void aV2HeaderOverTheBoundIsRefusedOnceTheBoundHasArrived() {
        // HAProxyMessageDecoder(maxTlvSize) allows 16 + 216 + maxTlvSize bytes: this is forkd's 2048 after the fixed part
        int maxTlv = ProxyV2.MAX_ACCEPTED_DECLARED_LENGTH - 216;
        EmbeddedChannel ch = new EmbeddedChannel(new HAProxyMessageDecoder(maxTlv));
        byte[] header = ProxyTlvBytes.tcp4(ProxyTlvBytes.tlv(ProxyTlvBytes.NOOP, new byte[60000]));
        int chunk = 512;
        int sent = 0;
        try {
            for (; sent < header.length; sent += chunk) {
                ch.writeInbound(Unpooled.wrappedBuffer(header, sent, Math.min(chunk, header.length - sent)));
            }
        } catch (HAProxyProtocolException e) {
            sent += chunk;
            assertTrue(e.getMessage().contains("allowed maximum (" + (ProxyV2.FIXED_LENGTH + ProxyV2.MAX_ACCEPTED_DECLARED_LENGTH) + ")"), e.getMessage());
        }
        assertTrue(sent > ProxyV2.FIXED_LENGTH + ProxyV2.MAX_ACCEPTED_DECLARED_LENGTH && sent <= ProxyV2.FIXED_LENGTH + ProxyV2.MAX_ACCEPTED_DECLARED_LENGTH + chunk,
                "refused after " + sent + " bytes");
        assertFalse(ch.isOpen());
        NettyChannels.finish(ch);
    }

    /**
     * The 16 fixed bytes of a header declaring 60000: forkd's ProxyV2 refuses them at once
     * (ProxyTrustIT.aV2HeaderDeclaringMoreThanTheBoundIsRefusedAtOnce), netty waits for more. The
     * Netty data path keeps that IT only with a check of the declared length of its own.
     */
    @Test
    void theFixedPartAloneIsNotEnoughForNettyToRefuse() {
        byte[] fixed = ProxyV2.encodeLocal();
        fixed[14] = (byte) (60000 >> 8);
        fixed[15] = (byte) 60000;
        assertThrows(ProxyProtocolException.class, () -> ProxyV2.decode(ByteBuffer.wrap(fixed), ProxyV2.MAX_ACCEPTED_DECLARED_LENGTH));
        EmbeddedChannel ch = new EmbeddedChannel(new HAProxyMessageDecoder(ProxyV2.MAX_ACCEPTED_DECLARED_LENGTH - 216));
        ch.writeInbound(Unpooled.wrappedBuffer(fixed));
        assertTrue(ch.isOpen(), "netty waits for the bound to be passed");
        assertEquals(null, (Object) ch.readInbound(), "no message yet");
        NettyChannels.finish(ch);
    }

    /**
     * A TLV longer than the header, or an SSL sub-TLV longer than its SSL TLV: netty's TLV reader
     * runs off its slice. What escapes is a DecoderException (an IndexOutOfBoundsException), not
     * an HAProxyProtocolException, the decoder does not close the channel, and it then removes
     * itself, so the client's next bytes go down the pipeline as if a header had been accepted.
     * The Netty data path must close the connection on any exception from the decoder.
     */
    @Test
    void aTlvPastItsContainerEscapesAsADecoderExceptionAndLeavesTheChannelOpen() {
        byte[] sslValue = ProxyTlvBytes.cat(new byte[] {1, 0, 0, 0, 0}, ProxyTlvBytes.tlv(ProxyTlvBytes.SSL_CN, 40, "al".getBytes(StandardCharsets.UTF_8)));
        for (byte[] header : new byte[][] {
            ProxyTlvBytes.tcp4(ProxyTlvBytes.tlv(ProxyTlvBytes.ALPN, 9, new byte[] {'h', '2'})),
            ProxyTlvBytes.tcp4(ProxyTlvBytes.tlv(ProxyTlvBytes.SSL, sslValue), ProxyTlvBytes.tlv(ProxyTlvBytes.NOOP, new byte[50])),
        }) {
            assertThrows(ProxyProtocolException.class, () -> ProxyV2.decode(ByteBuffer.wrap(header)), "forkd's decoder refuses it");
            EmbeddedChannel ch = new EmbeddedChannel(new HAProxyMessageDecoder());
            DecoderException e = assertThrows(DecoderException.class, () -> ch.writeInbound(Unpooled.wrappedBuffer(header)));
            assertFalse(e instanceof HAProxyProtocolException, NettyChannels.chain(e));
            assertTrue(e.getCause() instanceof IndexOutOfBoundsException, e.toString());
            assertTrue(ch.isOpen(), "netty leaves the channel open");
            // and what the client sends next goes on down the pipeline, no HAProxyMessage having come before it
            ch.writeInbound(Unpooled.wrappedBuffer("GET /".getBytes(StandardCharsets.US_ASCII)));
            ByteBuf next = ch.readInbound();
            assertEquals("GET /", next.toString(StandardCharsets.US_ASCII));
            next.release();
            NettyChannels.finish(ch);
        }
    }

    /** An SSL TLV shorter than its client and verify fields: netty 4.2 checks that one itself. */
    @Test
    void anSslTlvShorterThanItsFixedPartIsRefusedCleanly() {
        byte[] header = ProxyTlvBytes.tcp4(ProxyTlvBytes.tlv(ProxyTlvBytes.SSL, new byte[] {1, 0, 0}));
        EmbeddedChannel ch = new EmbeddedChannel(new HAProxyMessageDecoder());
        HAProxyProtocolException e = assertThrows(HAProxyProtocolException.class, () -> ch.writeInbound(Unpooled.wrappedBuffer(header)));
        assertTrue(NettyChannels.chain(e).contains("TLV length must be at least 5"), NettyChannels.chain(e));
        assertFalse(ch.isOpen());
        NettyChannels.finish(ch);
    }
}
