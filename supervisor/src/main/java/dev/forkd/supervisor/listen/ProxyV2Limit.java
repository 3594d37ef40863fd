package dev.forkd.supervisor.listen;

import dev.forkd.shared.ProxyV2;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.haproxy.HAProxyProtocolException;
import java.util.List;

/**
 * In front of Netty's PROXY decoder, which takes v2 headers of up to 64 KiB: refuses one that
 * declares more than forkd accepts ({@link ProxyV2#MAX_ACCEPTED_DECLARED_LENGTH}) as soon as its
 * fixed part is in, so that no client makes forkd hold 64 KiB for a header. Then steps aside.
 */
final class ProxyV2Limit extends ByteToMessageDecoder {
    private static final byte[] SIGNATURE = {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A};

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) throws HAProxyProtocolException {
        int n = in.readableBytes();
        int i = in.readerIndex();
        for (int k = 0; k < Math.min(n, SIGNATURE.length); k++) {
            if (in.getByte(i + k) != SIGNATURE[k]) {
                passOn(ctx, in, out); // v1 or garbage: the decoder's to judge
                return;
            }
        }
        if (n < ProxyV2.FIXED_LENGTH) {
            return; // the fixed part is not in yet
        }
        int declared = in.getUnsignedShort(i + 14);
        if (declared > ProxyV2.MAX_ACCEPTED_DECLARED_LENGTH) {
            in.skipBytes(n);
            throw new HAProxyProtocolException("PROXY v2 header declares " + declared + " bytes, more than the "
                    + ProxyV2.MAX_ACCEPTED_DECLARED_LENGTH + " accepted");
        }
        passOn(ctx, in, out);
    }

    private void passOn(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        out.add(in.readRetainedSlice(in.readableBytes()));
        ctx.pipeline().remove(this);
    }
}
