package dev.forkd.supervisor.listen;

import dev.forkd.supervisor.common.MemoryBudget;
import dev.forkd.supervisor.common.RateLimitedLog;
import dev.forkd.supervisor.dispatch.Dispatcher;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import java.util.concurrent.TimeUnit;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * On the listening channel, which never reads on its own: asks for the next accept only while the
 * dispatcher has room and the memory budget has room for what one read may leave pending;
 * otherwise the kernel's backlog holds new clients until room comes back. Accept failures
 * (EMFILE and kin) back off instead of spinning.
 */
final class AcceptGate extends ChannelInboundHandlerAdapter {
    private static final Logger LOG = LogManager.getLogger(Listener.class);
    static final long ACCEPT_ERROR_BACKOFF_MS = 100;
    private static final RateLimitedLog ACCEPT_ERRORS = new RateLimitedLog(LOG, Level.ERROR, 10, TimeUnit.SECONDS);
    private static final RateLimitedLog BUDGET_SPENT = new RateLimitedLog(LOG, Level.WARN, 10, TimeUnit.SECONDS);

    private final Dispatcher<?> dispatcher;
    private final MemoryBudget budget;
    private final long reserve;
    private Channel server;
    private volatile boolean started;
    private volatile boolean stopped;
    /** Set while waiting for the dispatcher's room, so that its frequent changes post a task only then. */
    private volatile boolean awaitingRoom;
    private long failures;
    private boolean failedThisRound;

    AcceptGate(Dispatcher<?> dispatcher, MemoryBudget budget, long reserve) {
        this.dispatcher = dispatcher;
        this.budget = budget;
        this.reserve = reserve;
        dispatcher.onRoom(() -> {
            if (awaitingRoom && !stopped) {
                awaitingRoom = false;
                wake();
            }
        });
    }

    /** Starts accepting on {@code server}'s loop. */
    void start(Channel server) {
        this.server = server;
        started = true;
        wake();
    }

    void stop() {
        stopped = true;
    }

    private void wake() {
        Channel s = server;
        if (s != null && !stopped) {
            s.eventLoop().execute(this::maybeAccept);
        }
    }

    private void maybeAccept() {
        if (stopped || !started || !server.isActive()) {
            return;
        }
        if (!dispatcher.hasRoomNow()) {
            awaitingRoom = true;
            if (!dispatcher.hasRoomNow()) {
                return; // the dispatcher's room listener wakes us
            }
            awaitingRoom = false;
        }
        if (!budget.whenRoom(reserve, this::wake)) {
            BUDGET_SPENT.log("memory budget of {} MiB spent ({} bytes held in relay buffers): not accepting new connections until buffers are freed",
                    budget.limit() >> 20, budget.used());
            return;
        }
        server.read();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object child) {
        if (failures > 0) {
            LOG.info("accepting again after {} failed attempt(s)", failures);
            failures = 0;
        }
        ctx.fireChannelRead(child);
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        // after the current event: an accept failure of this round is told after this, and backs off
        ctx.executor().execute(() -> {
            if (failedThisRound) {
                failedThisRound = false;
                ctx.executor().schedule(this::maybeAccept, ACCEPT_ERROR_BACKOFF_MS, TimeUnit.MILLISECONDS);
            } else {
                maybeAccept();
            }
        });
        ctx.fireChannelReadComplete();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        // EMFILE and kin: not passed on (Netty's acceptor would pause for a second); accepting resumes when the cause clears
        failures++;
        failedThisRound = true;
        ACCEPT_ERRORS.log("accept failed: {}; backing off {} ms between attempts", cause.toString(), ACCEPT_ERROR_BACKOFF_MS);
    }
}
