package dev.forkd.supervisor.tls;

import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslProvider;
import io.netty.util.DomainWildcardMappingBuilder;
import io.netty.util.Mapping;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Set;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Every certificate of one load, immutable: the first pair's context is the default (a client
 * without SNI, or with a name no certificate has), the others are found by the names of their
 * certificates. A reload builds a new set and swaps it in whole; connections keep the context
 * they started their handshake with.
 */
final class CertificateSet {
    private static final Logger LOG = LogManager.getLogger(CertificateSet.class);

    /** What one pair answers for, for the log and the tests. */
    record Entry(String certificate, Set<String> names, Instant notAfter, String keyAlgorithm, SslContext context) {
    }

    final List<Entry> entries;
    final Mapping<String, SslContext> byName;

    private CertificateSet(List<Entry> entries, Mapping<String, SslContext> byName) {
        this.entries = List.copyOf(entries);
        this.byName = byName;
    }

    /** Reads every file of {@code settings}; the first problem found is the exception (nothing half-loaded is kept). */
    static CertificateSet load(TlsSettings settings, SslProvider provider) throws TlsConfigException {
        List<X509Certificate> clientCa = settings.clientCa() == null ? null : PemFiles.certificates(settings.clientCa(), "--tls-client-ca");
        List<Entry> entries = new ArrayList<>();
        for (TlsSettings.CertificateFiles pair : settings.pairs()) {
            List<X509Certificate> chain = PemFiles.certificates(pair.certificate(), "--tls-cert");
            PrivateKey key = PemFiles.privateKey(pair.key());
            String where = "--tls-cert " + pair.certificate() + " with --tls-key " + pair.key();
            SslContext context = TlsContexts.server(key, chain, clientCa, settings, provider, where);
            X509Certificate leaf = chain.get(0);
            entries.add(new Entry(pair.certificate().toString(), ServerNames.of(leaf), leaf.getNotAfter().toInstant(),
                    key.getAlgorithm(), context));
        }
        if (entries.isEmpty()) {
            throw new TlsConfigException("TLS needs at least one --tls-cert and --tls-key");
        }
        DomainWildcardMappingBuilder<SslContext> mapping = new DomainWildcardMappingBuilder<>(entries.get(0).context);
        // the first pair that names a host wins it, as the default is the first pair: later pairs add names, never steal them
        for (int i = entries.size() - 1; i >= 0; i--) {
            for (String name : entries.get(i).names) {
                mapping.add(name, entries.get(i).context);
            }
        }
        return new CertificateSet(entries, mapping.build());
    }

    /** One line per certificate; a warning for one that has expired or expires within two weeks. */
    void log(String verb) {
        Instant now = Instant.now();
        for (int i = 0; i < entries.size(); i++) {
            Entry e = entries.get(i);
            LOG.info("TLS: {} {} ({} key) for {}{}, valid until {}", verb, e.certificate, e.keyAlgorithm,
                    e.names.isEmpty() ? "no name" : String.join(", ", e.names), i == 0 ? " (the default)" : "", e.notAfter);
            if (e.notAfter.isBefore(now)) {
                LOG.warn("TLS: {} expired on {}: clients will refuse it", e.certificate, Date.from(e.notAfter));
            } else if (e.notAfter.isBefore(now.plusSeconds(14 * 24 * 3600))) {
                LOG.warn("TLS: {} expires on {}: renew it, then `forkd reload` or HUP", e.certificate, e.notAfter);
            }
        }
    }
}
