package dev.forkd.supervisor.listen;

import dev.forkd.shared.Durations;
import dev.forkd.supervisor.common.MemoryBudget;
import dev.forkd.supervisor.common.RateLimitedLog;
import dev.forkd.supervisor.dispatch.AcceptedClient;
import dev.forkd.supervisor.dispatch.DispatchStats;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.handler.ssl.SniCompletionEvent;
import io.netty.handler.ssl.SslCompletionEvent;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * The last stage before a worker: waits for what comes before (the PROXY header, the TLS
 * handshake) and then, unless the handler speaks first, for the client's first bytes. Only then
 * does the connection go to the dispatcher and take a worker slot, so that clients that connect
 * and send nothing cannot hold the workers; one that sends nothing for --first-data-timeout is
 * closed. The bytes it read go to the worker first; they count against the budget until written.
 */
final class FirstDataStage extends ChannelInboundHandlerAdapter {
    private static final Logger LOG = LogManager.getLogger(FirstDataStage.class);
    private static final RateLimitedLog TIMEOUTS = new RateLimitedLog(LOG, Level.WARN, 10, TimeUnit.SECONDS);
    private static final RateLimitedLog BUDGET_SPENT = new RateLimitedLog(LOG, Level.WARN, 10, TimeUnit.SECONDS);
    /** Room a first read needs in the budget: a request's start. */
    static final int FIRST_READ = 512;

    enum State { WAITING, HANDED_ON, CLOSED }

    private final AcceptedClient client;
    private final ClientPipeline.Sink sink;
    private final DispatchStats stats;
    private final MemoryBudget budget;
    private final boolean speaksFirst;
    private final long timeoutNanos;
    private boolean headerPending;
    /** Null without TLS. */
    private final TlsStage tls;
    private boolean tlsPending;
    private boolean inputShut;
    private State state = State.WAITING;
    private ByteBuf held;
    private InetSocketAddress source;
    private InetSocketAddress destination;
    private ScheduledFuture<?> timer;
    private ChannelHandlerContext ctx;

    FirstDataStage(AcceptedClient client, ClientPipeline.Sink sink, DispatchStats stats, MemoryBudget budget, boolean speaksFirst,
            Duration timeout, boolean headerPending, TlsStage tls) {
        this.client = client;
        this.sink = sink;
        this.stats = stats;
        this.budget = budget;
        this.speaksFirst = speaksFirst;
        this.timeoutNanos = timeout.toNanos();
        this.headerPending = headerPending;
        this.tls = tls;
        this.tlsPending = tls != null;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        ctx.fireChannelActive();
        if (!headerPending) {
            proceed();
        }
    }

    /** The PROXY stage is done: {@code source} is the client it declared (null for none). */
    void headerDone(InetSocketAddress source, InetSocketAddress destination) {
        this.source = source;
        this.destination = destination;
        headerPending = false;
        // later on the loop: Netty's decoder passes on the bytes that followed the header once it
        // has removed itself, after this call; a read asked for before they arrive would be one too many
        ctx.executor().execute(this::proceed);
    }

    /** Hands on if all is there, or waits (with a deadline) for the client's bytes. */
    private void proceed() {
        if (state != State.WAITING || headerPending) {
            return;
        }
        if (!tlsPending && (held != null || inputShut || speaksFirst)) {
            handOn();
            return;
        }
        if (timer == null && !tlsPending) {
            timer = ctx.executor().schedule(this::expire, timeoutNanos, TimeUnit.NANOSECONDS);
        }
        read();
    }

    private void read() {
        if (state != State.WAITING) {
            return;
        }
        if (!budget.whenRoom(FIRST_READ, () -> ctx.executor().execute(this::read))) {
            BUDGET_SPENT.log("memory budget of {} MiB spent ({} bytes held): not reading from new connections until buffers are freed",
                    budget.limit() >> 20, budget.used());
            return;
        }
        ctx.read();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (state == State.HANDED_ON && msg instanceof ByteBuf && ctx.pipeline().context("relay") == null) {
            // a read the TLS handler asked for itself, answered before the relay took the client: kept for it
            ByteBuf late = (ByteBuf) msg;
            budget.reserve(late.readableBytes());
            client.appendLeftover(late);
            return;
        }
        if (state == State.HANDED_ON) {
            // the relay is there: it reads from now on, and this stage has nothing more to do
            ctx.pipeline().remove(this);
        }
        if (state != State.WAITING || !(msg instanceof ByteBuf)) {
            ctx.fireChannelRead(msg);
            return;
        }
        ByteBuf b = (ByteBuf) msg;
        budget.reserve(b.readableBytes());
        if (held == null) {
            held = b;
        } else {
            held = ctx.alloc().compositeDirectBuffer().addComponents(true, held, b);
        }
        proceed();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (state == State.WAITING && tls != null && (evt instanceof SslHandshakeCompletionEvent
                || evt instanceof SniCompletionEvent && !((SniCompletionEvent) evt).isSuccess())) {
            SslCompletionEvent done = (SslCompletionEvent) evt;
            tls.handshakeDone(done, ctx.channel());
            if (!done.isSuccess()) {
                close(); // the TLS stage has said why
                return;
            }
            client.workerTlvs(tls.workerTlvs(ctx.channel()));
            tlsPending = false;
            proceed();
        } else if (state == State.WAITING && evt instanceof ChannelInputShutdownEvent) {
            // it shut down its side (having sent nothing, or only a PROXY header): the worker sees that as it always did
            inputShut = true;
            proceed();
        }
        ctx.fireUserEventTriggered(evt);
    }

    private void expire() {
        if (state != State.WAITING) {
            return;
        }
        stats.firstDataTimedOut.increment();
        TIMEOUTS.log("closed a connection from {}: nothing received within {} (--first-data-timeout)",
                ctx.channel().remoteAddress(), Durations.format(Duration.ofNanos(timeoutNanos)));
        close();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (state != State.WAITING) {
            ctx.fireExceptionCaught(cause);
            return;
        }
        LOG.debug("before a worker: {}", cause.toString());
        close();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (state == State.HANDED_ON) {
            // late bytes the relay never took go back (idempotent: the dispatcher may have done it)
            client.handedOver();
        }
        dropped();
        ctx.fireChannelInactive();
    }

    /** Closed before a worker (by an earlier stage, or here). */
    void dropped() {
        if (state != State.WAITING) {
            return;
        }
        state = State.CLOSED;
        if (timer != null) {
            timer.cancel(false);
        }
        if (held != null) {
            budget.release(held.readableBytes());
            held.release();
            held = null;
        }
        sink.closed(client);
    }

    private void close() {
        dropped();
        ctx.close();
    }

    private void handOn() {
        state = State.HANDED_ON;
        if (timer != null) {
            timer.cancel(false);
        }
        if (tls == null) {
            ctx.pipeline().remove(this);
        }
        // with TLS this stage stays until the relay comes: the TLS handler may have asked for a
        // read of its own (after its handshake), whose bytes must not fall off the pipeline's end
        client.prepared(source, destination, held, budget);
        held = null;
        sink.ready(client);
    }
}
