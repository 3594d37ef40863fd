package dev.forkd.supervisor.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.forkd.supervisor.proxy.TlsFacts;
import dev.forkd.supervisor.tls.TestCertificates.KeyFormat;
import dev.forkd.supervisor.tls.TestCertificates.KeyType;
import dev.forkd.supervisor.tls.TestCertificates.Pair;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The terminator in a real Netty server on loopback, as the client pipeline will hold it, against
 * `openssl s_client`: protocols, ciphers, resumption, and the facts after each handshake. The
 * server answers one HTTP-ish line and closes, as http-hello does with Connection: close.
 */
class TlsLoopbackTest {
    private static final Duration WAIT = Duration.ofSeconds(30);
    @TempDir
    static Path dir;
    static TestCertificates ca;
    static EventLoopGroup group;
    static Channel server;
    static TlsTerminator tls;
    static final LinkedBlockingQueue<TlsFacts> facts = new LinkedBlockingQueue<>();

    @BeforeAll
    static void serve() throws Exception {
        ca = TestCertificates.authority(dir, "loopback CA");
        Pair pair = ca.server(KeyType.EC, KeyFormat.PKCS8, "localhost");
        Pair client = ca.client("loop-client");
        tls = TlsTerminator.start(new TlsSettings(List.of(new TlsSettings.CertificateFiles(pair.cert(), pair.key())), ca.caCert(),
                ClientAuthMode.OPTIONAL, List.of("h2", "http/1.1"), Duration.ofSeconds(5)));
        clientCert = client;
        group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        server = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast(tls.newHandler(), new Answer());
                    }
                }).bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)).sync().channel();
    }

    static Pair clientCert;

    /** After the handshake, the facts; on the first bytes, one reply and a close. */
    static final class Answer extends ChannelInboundHandlerAdapter {
        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof SslHandshakeCompletionEvent && ((SslHandshakeCompletionEvent) evt).isSuccess()) {
                facts.add(ChannelTls.of(ctx.channel()));
            }
            ctx.fireUserEventTriggered(evt);
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ((ByteBuf) msg).release();
            ctx.writeAndFlush(Unpooled.copiedBuffer("HTTP/1.1 200 OK\r\nContent-Length: 6\r\nConnection: close\r\n\r\nhello\n", StandardCharsets.US_ASCII))
                    .addListener(ChannelFutureListener.CLOSE);
        }
    }

    @AfterAll
    static void stop() throws Exception {
        server.close().sync();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
    }

    private static Commands.Result sClient(String stdin, String... more) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("openssl", "s_client", "-connect", "127.0.0.1:" + ((InetSocketAddress) server.localAddress()).getPort(),
                "-CAfile", ca.caCert().toString(), "-verify_return_error", "-ign_eof"));
        cmd.addAll(List.of(more));
        return Commands.run(cmd, stdin, WAIT);
    }

    private static final String REQUEST = "GET / HTTP/1.1\r\nHost: localhost\r\n\r\n";

    @Test
    void tls13WithFactsAndTls11Refused() throws Exception {
        facts.clear();
        Commands.Result ok = sClient(REQUEST, "-servername", "localhost", "-tls1_3", "-brief", "-alpn", "http/1.1",
                "-cert", clientCert.cert().toString(), "-key", clientCert.key().toString());
        assertEquals(0, ok.exit(), ok.output());
        assertTrue(ok.output().contains("Protocol version: TLSv1.3"), ok.output());
        assertTrue(ok.output().contains("hello"), ok.output());
        TlsFacts f = facts.poll(WAIT.toSeconds(), TimeUnit.SECONDS);
        assertEquals("TLSv1.3", f.protocol());
        assertEquals("localhost", f.serverName());
        assertEquals("http/1.1", f.applicationProtocol());
        assertEquals("loop-client", f.clientCommonName());
        assertTrue(f.clientCertificateVerified());

        Commands.Result old = sClient("", "-servername", "localhost", "-tls1_1", "-cipher", "DEFAULT@SECLEVEL=0");
        assertNotEquals(0, old.exit(), old.output());
        assertTrue(old.output().contains("alert protocol version"), "the server refused it, not the client: " + old.output());
        Commands.Result cbc = sClient("", "-servername", "localhost", "-tls1_2", "-cipher", "ECDHE-ECDSA-AES128-SHA256");
        assertNotEquals(0, cbc.exit(), "a CBC suite is not offered: " + cbc.output());
        Commands.Result gcm = sClient(REQUEST, "-servername", "localhost", "-tls1_2", "-brief");
        assertEquals(0, gcm.exit(), gcm.output());
        assertTrue(gcm.output().matches("(?s).*Ciphersuite: ECDHE-ECDSA-(AES128-GCM-SHA256|AES256-GCM-SHA384|CHACHA20-POLY1305).*"), gcm.output());
    }

    @Test
    void resumptionReusesTheSession() throws Exception {
        for (String version : new String[] {"-tls1_2", "-tls1_3"}) {
            Path session = dir.resolve("session" + version);
            Commands.Result first = sClient(REQUEST, "-servername", "localhost", version, "-sess_out", session.toString());
            assertEquals(0, first.exit(), first.output());
            assertTrue(first.output().contains("New, TLSv1."), first.output());
            Commands.Result second = sClient(REQUEST, "-servername", "localhost", version, "-sess_in", session.toString());
            assertEquals(0, second.exit(), second.output());
            assertTrue(second.output().contains("Reused, TLSv1."), version + ": " + second.output());
        }
    }
}
