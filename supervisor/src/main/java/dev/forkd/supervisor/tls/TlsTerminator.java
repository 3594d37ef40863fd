package dev.forkd.supervisor.tls;

import dev.forkd.supervisor.common.RateLimitedLog;
import io.netty.channel.ChannelHandler;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.ssl.SniCompletionEvent;
import io.netty.handler.ssl.SslCompletionEvent;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslProvider;
import io.netty.util.AttributeKey;
import java.net.SocketAddress;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * TLS termination for the client pipeline. Built once at start from {@link TlsSettings} (a bad file
 * stops forkd with a clear message); {@link #newHandler()} gives each accepted connection its
 * first handler, which picks a certificate by SNI and does the handshake. {@link #reload()} (HUP,
 * `forkd reload`) reads every file again and swaps the whole set in at once: new handshakes use it,
 * live connections keep theirs, and a bad file keeps the old set and says why.
 * <p>
 * In the client pipeline: [HAProxyMessageDecoder with --accept-proxy] → {@link #newHandler()} →
 * [first-data wait] → [relay]; on the SslHandshakeCompletionEvent, {@link #handshakeDone} and, if it
 * succeeded, {@link ChannelTls#of(io.netty.channel.Channel)} for the worker's PROXY v2 TLVs, then dispatch.
 * <p>
 * The private keys stay here, in the supervisor: nothing of them goes to a worker (workers get
 * the decrypted bytes and, as PROXY v2 TLVs, {@link dev.forkd.supervisor.proxy.TlsFacts}), and nothing logs them.
 */
public final class TlsTerminator {
    private static final Logger LOG = LogManager.getLogger(TlsTerminator.class);
    /** The server name the client asked for (null without SNI), set before the handshake starts. */
    public static final AttributeKey<String> SNI_HOSTNAME = AttributeKey.valueOf(TlsTerminator.class, "sniHostname");

    private final TlsSettings settings;
    private final SslProvider provider;
    private final AtomicReference<CertificateSet> current;
    private final long handshakeTimeoutMillis;
    private final LongAdder handshakes = new LongAdder();
    private final LongAdder failures = new LongAdder();
    /** Clients that fail handshakes (scanners, old clients, wrong CAs) can do so thousands of times a second. */
    private final RateLimitedLog failureLog = new RateLimitedLog(LOG, Level.INFO, 10, TimeUnit.SECONDS);

    private TlsTerminator(TlsSettings settings, SslProvider provider, CertificateSet first) {
        this.settings = settings;
        this.provider = provider;
        this.current = new AtomicReference<>(first);
        this.handshakeTimeoutMillis = Math.max(1, settings.handshakeTimeout().toMillis());
    }

    /** Reads every file and logs the provider and the certificates; null if TLS is off. */
    public static TlsTerminator start(TlsSettings settings) throws TlsConfigException {
        if (!settings.enabled()) {
            return null;
        }
        SslProvider provider = TlsProvider.choose();
        TlsProvider.announce(provider);
        return start(settings, provider);
    }

    static TlsTerminator start(TlsSettings settings, SslProvider provider) throws TlsConfigException {
        CertificateSet set = CertificateSet.load(settings, provider);
        set.log("serving");
        if (settings.clientCa() != null) {
            LOG.info("TLS: client certificates {} (CA {})", settings.clientAuth() == ClientAuthMode.REQUIRE ? "required" : "asked for", settings.clientCa());
        }
        return new TlsTerminator(settings, provider, set);
    }

    /** A new connection's first handler (after the PROXY decoder, if any): SNI, then the handshake. */
    public ChannelHandler newHandler() {
        // reads the set at each ClientHello, so that a connection accepted just before a reload still gets the new one
        return new ServerNameHandler(name -> pick(current.get(), name), handshakeTimeoutMillis);
    }

    /** {@link #newHandler} as the client pipeline takes it. */
    public Supplier<ChannelHandler> handlers() {
        return this::newHandler;
    }

    private static SslContext pick(CertificateSet set, String name) {
        return set.byName.map(name);
    }

    /**
     * Reads every certificate, key and CA file again and serves the new ones to new handshakes.
     * Never throws: a file that cannot be used keeps the certificates served so far, and the log says which and why.
     *
     * @return true if the new files are in use
     */
    public synchronized boolean reload() {
        try {
            CertificateSet next = CertificateSet.load(settings, provider);
            current.set(next);
            next.log("reloaded");
            return true;
        } catch (TlsConfigException e) {
            LOG.error("TLS: reload refused, still serving the certificates loaded before: {}", e.getMessage());
            return false;
        } catch (RuntimeException e) {
            // a provider's surprise must not take the supervisor down on a reload; the old set keeps serving
            LOG.error("TLS: reload failed, still serving the certificates loaded before: {}", e.toString(), e);
            return false;
        }
    }

    /**
     * The client pipeline passes each SslHandshakeCompletionEvent (and a failed SniCompletionEvent:
     * a ClientHello that never came or could not be read) here: counted, and a failure logged, at
     * most one line per 10 s. The pipeline then closes a failed connection; nothing else to do here.
     */
    public void handshakeDone(SslCompletionEvent event, SocketAddress peer) {
        if (event.isSuccess()) {
            if (!(event instanceof SniCompletionEvent)) {
                handshakes.increment();
            }
            return;
        }
        failures.increment();
        Throwable cause = event.cause();
        while (cause instanceof DecoderException && cause.getCause() != null) {
            cause = cause.getCause();
        }
        failureLog.log("TLS: handshake with {} failed: {}", peer, cause == null ? "unknown" : cause.getMessage() != null ? cause.getMessage() : cause.toString());
    }

    /** Handshakes completed since start, for /status and /metrics. */
    public long handshakes() {
        return handshakes.sum();
    }

    /** Handshakes that failed (timeouts included) since start, for /status and /metrics. */
    public long handshakeFailures() {
        return failures.sum();
    }

    public long handshakeTimeoutMillis() {
        return handshakeTimeoutMillis;
    }

    public SslProvider provider() {
        return provider;
    }

    /** The names each loaded certificate answers for, default first; for tests and /status. */
    List<CertificateSet.Entry> entries() {
        return current.get().entries;
    }

    SslContext contextFor(String name) {
        return pick(current.get(), name);
    }
}
