package dev.forkd.supervisor.tls;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandler;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslProvider;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.List;

/** A client and a server channel in memory, their bytes carried back and forth until the handshake settles. */
final class Handshakes {
    final EmbeddedChannel server;
    final EmbeddedChannel client;
    final SslHandler clientSsl;
    final Recorder serverEvents = new Recorder();

    /** Keeps what reaches the end of a pipeline, so that a failed handshake is an answer, not an exception thrown at the pump. */
    static final class Recorder extends io.netty.channel.ChannelInboundHandlerAdapter {
        final List<Object> events = new java.util.concurrent.CopyOnWriteArrayList<>();
        final List<Throwable> errors = new java.util.concurrent.CopyOnWriteArrayList<>();

        @Override
        public void userEventTriggered(io.netty.channel.ChannelHandlerContext ctx, Object evt) {
            events.add(evt);
        }

        @Override
        public void exceptionCaught(io.netty.channel.ChannelHandlerContext ctx, Throwable cause) {
            errors.add(cause);
        }

        @Override
        public void channelRead(io.netty.channel.ChannelHandlerContext ctx, Object msg) {
            io.netty.util.ReferenceCountUtil.release(msg);
        }

        io.netty.handler.ssl.SslHandshakeCompletionEvent handshake() {
            for (Object e : events) {
                if (e instanceof io.netty.handler.ssl.SslHandshakeCompletionEvent) {
                    return (io.netty.handler.ssl.SslHandshakeCompletionEvent) e;
                }
            }
            return null;
        }
    }

    /** A client that trusts {@code ca}, sends {@code sni} (none if null), and offers {@code protocols}. */
    Handshakes(ChannelHandler serverHandler, SslContext clientContext, String sni) {
        server = new EmbeddedChannel(serverHandler, serverEvents);
        clientSsl = sni == null ? clientContext.newHandler(io.netty.buffer.ByteBufAllocator.DEFAULT)
                : clientContext.newHandler(io.netty.buffer.ByteBufAllocator.DEFAULT, sni, 443);
        client = new EmbeddedChannel(clientSsl, new Recorder());
        pump();
    }

    static SslContextBuilder client(Path ca, SslProvider provider) {
        // no host name check (Netty 4.2's clients make one by default): the tests look at the certificate themselves
        return SslContextBuilder.forClient().sslProvider(provider).trustManager(ca.toFile()).endpointIdentificationAlgorithm(null);
    }

    static SslContextBuilder alpn(SslContextBuilder b, String... protocols) {
        return b.applicationProtocolConfig(new ApplicationProtocolConfig(ApplicationProtocolConfig.Protocol.ALPN,
                ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT, List.of(protocols)));
    }

    /**
     * A key manager that sends its certificate whatever CAs the server asks for: the JDK's own would
     * send none to a server that names another CA, which tests nothing about the server.
     */
    static javax.net.ssl.KeyManager insistentKeyManager(TestCertificates.Pair pair) throws Exception {
        java.security.KeyStore store = java.security.KeyStore.getInstance("PKCS12");
        store.load(null, null);
        char[] password = "test".toCharArray();
        store.setKeyEntry("client", PemFiles.privateKey(pair.key()), password,
                PemFiles.certificates(pair.cert(), "cert").toArray(new java.security.cert.Certificate[0]));
        javax.net.ssl.KeyManagerFactory kmf = javax.net.ssl.KeyManagerFactory.getInstance("PKIX");
        kmf.init(store, password);
        javax.net.ssl.X509ExtendedKeyManager real = (javax.net.ssl.X509ExtendedKeyManager) kmf.getKeyManagers()[0];
        return new javax.net.ssl.X509ExtendedKeyManager() {
            @Override
            public String chooseEngineClientAlias(String[] keyType, java.security.Principal[] issuers, javax.net.ssl.SSLEngine engine) {
                return real.chooseEngineClientAlias(keyType, null, engine);
            }

            @Override
            public String[] getClientAliases(String keyType, java.security.Principal[] issuers) {
                return real.getClientAliases(keyType, null);
            }

            @Override
            public String chooseClientAlias(String[] keyType, java.security.Principal[] issuers, java.net.Socket socket) {
                return real.chooseClientAlias(keyType, null, socket);
            }

            @Override
            public String[] getServerAliases(String keyType, java.security.Principal[] issuers) {
                return real.getServerAliases(keyType, issuers);
            }

            @Override
            public String chooseServerAlias(String keyType, java.security.Principal[] issuers, java.net.Socket socket) {
                return real.chooseServerAlias(keyType, issuers, socket);
            }

            @Override
            public java.security.cert.X509Certificate[] getCertificateChain(String alias) {
                return real.getCertificateChain(alias);
            }

            @Override
            public java.security.PrivateKey getPrivateKey(String alias) {
                return real.getPrivateKey(alias);
            }
        };
    }

    /** Moves bytes both ways until neither side has anything more to say. */
    void pump() {
        for (int round = 0; round < 100; round++) {
            server.runPendingTasks();
            client.runPendingTasks();
            boolean moved = move(client, server) | move(server, client);
            if (!moved) {
                return;
            }
        }
        throw new AssertionError("the handshake did not settle in 100 rounds");
    }

    private static boolean move(EmbeddedChannel from, EmbeddedChannel to) {
        boolean moved = false;
        for (Object o; (o = from.readOutbound()) != null; ) {
            moved = true;
            if (to.isOpen()) {
                to.writeInbound(o);
            } else {
                ((ByteBuf) o).release();
            }
        }
        return moved;
    }

    boolean clientDone() {
        return clientSsl.handshakeFuture().isDone() && clientSsl.handshakeFuture().isSuccess();
    }

    /** The server's SslHandler once SNI has put it in place; null before, or if the handshake failed early. */
    SslHandler serverSsl() {
        return server.pipeline().get(SslHandler.class);
    }

    X509Certificate serverCertificate() throws Exception {
        return (X509Certificate) clientSsl.engine().getSession().getPeerCertificates()[0];
    }

    void close() {
        server.finishAndReleaseAll();
        client.finishAndReleaseAll();
    }
}
