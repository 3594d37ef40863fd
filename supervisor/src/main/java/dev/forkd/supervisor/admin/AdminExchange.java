package dev.forkd.supervisor.admin;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.EventLoop;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * One admin connection's one request: what Netty's codec parsed is checked for the few things the
 * endpoint insists on, handed to the handler on the bounded executor (it may wait on the pool,
 * which the event loop must never do), and the answer written back through the channel, which
 * is then closed. Malformed, oversized and refused requests are answered from the event loop.
 */
final class AdminExchange extends SimpleChannelInboundHandler<FullHttpRequest> {
    private static final Logger LOG = LogManager.getLogger(AdminExchange.class);

    /** Fired by the aggregator when a request's body passes the limit. */
    enum TooLarge { EVENT }

    interface Handler {
        AdminResponse handle(AdminRequest request);
    }

    private final AdminDeadline deadline;
    private final Executor executor;
    private final Handler handler;
    private final int maxHead;
    private final int maxBody;

    AdminExchange(AdminDeadline deadline, Executor executor, Handler handler, int maxHead, int maxBody) {
        this.deadline = deadline;
        this.executor = executor;
        this.handler = handler;
        this.maxHead = maxHead;
        this.maxBody = maxBody;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest msg) {
        if (!deadline.requestComplete()) {
            return; // a second request on the connection: answered is the first one only
        }
        AdminResponse refusal = check(msg);
        if (refusal != null) {
            respond(ctx, refusal);
            return;
        }
        URI uri;
        try {
            uri = new URI(msg.uri());
        } catch (URISyntaxException e) {
            respond(ctx, AdminResponse.error(400, "bad request target"));
            return;
        }
        AdminRequest r = new AdminRequest(msg.method().name(), uri.getPath(), uri.getRawQuery() == null ? "" : uri.getRawQuery(),
                msg.headers().copy(), ctx.channel().remoteAddress());
        try {
            executor.execute(() -> respond(ctx, handle(r)));
        } catch (RejectedExecutionException e) {
            // every handler busy and the queue full: say so rather than wait
            respond(ctx, AdminResponse.error(503, "the admin endpoint is busy; try again"));
        }
    }

    /** What the codec could not parse, and what the endpoint does not take. */
    private AdminResponse check(FullHttpRequest msg) {
        DecoderResult result = msg.decoderResult();
        if (result.isFailure()) {
            if (result.cause() instanceof TooLongHttpLineException || result.cause() instanceof TooLongHttpHeaderException) {
                return AdminResponse.error(431, "request head larger than " + maxHead + " bytes");
            }
            return AdminResponse.error(400, "bad request");
        }
        if (!msg.protocolVersion().equals(HttpVersion.HTTP_1_1) && !msg.protocolVersion().equals(HttpVersion.HTTP_1_0)) {
            return AdminResponse.error(400, "bad request line");
        }
        if (!msg.uri().startsWith("/")) {
            return AdminResponse.error(400, "bad request target");
        }
        // two Hosts would let the guard and a proxy in front disagree about which one counts
        if (msg.headers().getAll(HttpHeaderNames.HOST).size() > 1) {
            return AdminResponse.error(400, "more than one Host header");
        }
        return null;
    }

    private AdminResponse handle(AdminRequest r) {
        try {
            return handler.handle(r);
        } catch (RuntimeException e) {
            LOG.error("admin request {} {} failed: {}", r.method(), r.path(), e.toString(), e);
            return AdminResponse.error(500, "internal error");
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (evt == TooLarge.EVENT) {
            if (deadline.requestComplete()) {
                respond(ctx, AdminResponse.error(413, "request body larger than " + maxBody + " bytes"));
            }
            return;
        }
        super.userEventTriggered(ctx, evt);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        // a reset or broken connection is the client's business; anything else is worth a line
        if (cause instanceof IOException) {
            LOG.debug("admin: connection from {} failed: {}", ctx.channel().remoteAddress(), cause.toString());
        } else {
            LOG.warn("admin: connection from {} failed: {}", ctx.channel().remoteAddress(), cause.toString(), cause);
        }
        ctx.close();
    }

    /** Writes the answer from the event loop, whichever thread has it; one request per connection, so it closes. */
    private void respond(ChannelHandlerContext ctx, AdminResponse r) {
        EventLoop loop = ctx.channel().eventLoop();
        if (!loop.inEventLoop()) {
            try {
                loop.execute(() -> respond(ctx, r));
            } catch (RejectedExecutionException e) {
                // the loop is shutting down (forkd is stopping) and closes this connection with it
                LOG.debug("admin: no answer to {}: the endpoint is stopping", ctx.channel().remoteAddress());
            }
            return;
        }
        if (!ctx.channel().isActive()) {
            return;
        }
        FullHttpResponse resp = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(r.code()), Unpooled.wrappedBuffer(r.body()));
        resp.headers().set(HttpHeaderNames.CONTENT_TYPE, r.contentType());
        resp.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, r.body().length);
        resp.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        r.headers().forEach(resp.headers()::set);
        deadline.writing();
        ctx.writeAndFlush(resp).addListener(ChannelFutureListener.CLOSE);
    }
}
