package dev.forkd.supervisor.admin;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * One admin connection's phase and deadline: it must send its whole request within the timeout
 * of being accepted, and read its answer within the timeout of it being ready; while a handler
 * works on it, no deadline runs (the handlers bound their own waits). A fixed deadline rather than
 * an idle timeout, so that a client sending one byte a second cannot hold a connection for ever.
 * Runs on the event loop only, as does {@link AdminConnections}.
 */
final class AdminDeadline extends ChannelInboundHandlerAdapter {
    enum Phase { READING, HANDLING, WRITING, CLOSED }

    private final AdminConnections connections;
    private final long timeoutNanos;
    private Channel channel;
    private Phase phase = Phase.READING;
    private ScheduledFuture<?> timer;

    AdminDeadline(AdminConnections connections, long timeout, TimeUnit unit) {
        this.connections = connections;
        this.timeoutNanos = unit.toNanos(timeout);
    }

    Phase phase() {
        return phase;
    }

    Channel channel() {
        return channel;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        channel = ctx.channel();
        if (!connections.admit(this)) {
            phase = Phase.CLOSED;
            ctx.close();
            return;
        }
        timer = ctx.executor().schedule(() -> expire("did not send a whole request"), timeoutNanos, TimeUnit.NANOSECONDS);
        super.channelActive(ctx);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        phase = Phase.CLOSED;
        cancel();
        connections.remove(this);
        super.channelInactive(ctx);
    }

    /** The whole request arrived: no more reading (one request per connection), no deadline while it is handled. */
    boolean requestComplete() {
        if (phase != Phase.READING) {
            return false;
        }
        phase = Phase.HANDLING;
        cancel();
        channel.config().setAutoRead(false);
        return true;
    }

    /** The answer is being written: it must be read within the timeout. */
    void writing() {
        if (phase == Phase.CLOSED) {
            return;
        }
        phase = Phase.WRITING;
        cancel();
        timer = channel.eventLoop().schedule(() -> expire("did not read its answer"), timeoutNanos, TimeUnit.NANOSECONDS);
    }

    private void expire(String what) {
        if (phase == Phase.CLOSED) {
            return;
        }
        connections.timedOut(channel, what, TimeUnit.NANOSECONDS.toMillis(timeoutNanos));
        channel.close();
    }

    private void cancel() {
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
    }
}
