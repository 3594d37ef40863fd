package dev.forkd.supervisor.relay;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;

/** One end of a {@link RelayedConnection} in its channel's pipeline: tells the connection what happens on that end. */
final class RelaySide extends ChannelInboundHandlerAdapter {
    private final RelayedConnection connection;
    private final boolean client;

    RelaySide(RelayedConnection connection, boolean client) {
        this.connection = connection;
        this.client = client;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        connection.forward(client, (ByteBuf) msg);
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof ChannelInputShutdownEvent) {
            connection.inputEnded(client);
        }
        // anything else (ChannelInputShutdownReadComplete, a TLS close_notify event) needs nothing here
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (ctx.channel().isWritable()) {
            // the other side's next chunk may come: what it sent last has drained below the low water mark
            connection.readMore(!client);
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        connection.failed(client, cause);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        connection.inactive(client);
    }
}
