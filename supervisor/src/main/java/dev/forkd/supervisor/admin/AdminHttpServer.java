package dev.forkd.supervisor.admin;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.internal.logging.InternalLoggerFactory;
import io.netty.util.internal.logging.Log4J2LoggerFactory;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * The admin endpoint's HTTP/1.1 server, on Netty: one event loop thread reads requests and writes
 * answers without blocking, so a client that sends half a request or reads no answer holds no
 * thread and is closed at its deadline ({@link AdminDeadline}); whole requests go to a few handler
 * threads behind a bounded queue ({@link AdminExchange}). Netty's codec parses the requests, with
 * small limits: the endpoint takes no bodies and real requests are a few hundred bytes.
 */
final class AdminHttpServer implements AutoCloseable {
    static {
        // before any Netty class makes its logger: through log4j2 to stderr, never stdout
        InternalLoggerFactory.setDefaultFactory(Log4J2LoggerFactory.INSTANCE);
    }

    /** The most a request line, and all header lines together, may take. */
    static final int MAX_HEAD = 8192;
    /** The most a body may take (the endpoint reads none); past it, 413. */
    static final int MAX_BODY = 4096;
    /** Connections at once; past that, the oldest one still sending its request is closed. */
    static final int MAX_CONNECTIONS = 64;

    private final EventLoopGroup group;
    private final ThreadPoolExecutor pool;
    private final Channel server;

    /** Binds at once (so that a taken port is a start-up error); accepts from {@link #start()}. */
    AdminHttpServer(InetSocketAddress address, long timeout, TimeUnit unit, int threads, AdminExchange.Handler handler) throws IOException {
        // bounded both ways: a flood of whole requests gets 503, not a growing queue
        this.pool = new ThreadPoolExecutor(threads, threads, 0, TimeUnit.MILLISECONDS, new ArrayBlockingQueue<>(MAX_CONNECTIONS),
                new DefaultThreadFactory("admin-handler", true));
        this.group = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("admin", true), NioIoHandler.newFactory());
        AdminConnections connections = new AdminConnections(MAX_CONNECTIONS);
        // unpooled heap buffers: a few small requests need no arenas, and the heap is what forkd budgets
        ByteBufAllocator alloc = new UnpooledByteBufAllocator(false);
        ServerBootstrap b = new ServerBootstrap()
                .group(group)
                .channel(NioServerSocketChannel.class)
                .option(ChannelOption.SO_BACKLOG, 16)
                .option(ChannelOption.SO_REUSEADDR, true)
                .option(ChannelOption.AUTO_READ, false)
                .option(ChannelOption.ALLOCATOR, alloc)
                .childOption(ChannelOption.ALLOCATOR, alloc)
                .childHandler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        pipeline(ch, connections, timeout, unit, pool, handler);
                    }
                });
        ChannelFuture bound = b.bind(address).awaitUninterruptibly();
        if (!bound.isSuccess()) {
            close();
            Throwable cause = bound.cause();
            throw cause instanceof IOException io ? io : new IOException(cause);
        }
        this.server = bound.channel();
    }

    /** The handlers of one admin connection, in order; the unit test builds the same on an EmbeddedChannel. */
    static void pipeline(Channel ch, AdminConnections connections, long timeout, TimeUnit unit, Executor executor, AdminExchange.Handler handler) {
        AdminDeadline deadline = new AdminDeadline(connections, timeout, unit);
        ch.pipeline().addLast(deadline,
                new HttpServerCodec(new HttpDecoderConfig().setMaxInitialLineLength(MAX_HEAD).setMaxHeaderSize(MAX_HEAD)),
                new Aggregator(MAX_BODY),
                new AdminExchange(deadline, executor, handler, MAX_HEAD, MAX_BODY));
    }

    /** Netty's aggregator answers an oversized request itself, without our JSON; this hands it to {@link AdminExchange}. */
    private static final class Aggregator extends HttpObjectAggregator {
        Aggregator(int maxBody) {
            // closeOnExpectationFailed: an Expect: 100-continue past the limit gets Netty's 413 and the connection ends
            super(maxBody, true);
        }

        @Override
        protected void handleOversizedMessage(ChannelHandlerContext ctx, HttpMessage oversized) {
            ctx.fireUserEventTriggered(AdminExchange.TooLarge.EVENT);
        }
    }

    InetSocketAddress address() {
        return (InetSocketAddress) server.localAddress();
    }

    void start() {
        server.config().setAutoRead(true);
    }

    /** Stops accepting, closes every connection and the threads; waits at most about a second. */
    @Override
    public void close() {
        if (server != null) {
            server.close().awaitUninterruptibly(1, TimeUnit.SECONDS);
        }
        // no quiet period: nothing that is still queued matters once forkd stops
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(2, TimeUnit.SECONDS);
        pool.shutdownNow();
    }
}
