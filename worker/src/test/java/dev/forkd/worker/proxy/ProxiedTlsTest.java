package dev.forkd.worker.proxy;

import dev.forkd.api.TlsInfo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.forkd.shared.ProxySsl;
import dev.forkd.shared.ProxyTlvs;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ProxiedTlsTest {

    @Test
    void noSslTlvOrNoClientSslBitMeansNoTls() {
        assertEquals(Optional.empty(), ProxiedTls.of(ProxyTlvs.NONE));
        assertEquals(Optional.empty(), ProxiedTls.of(new ProxyTlvs("h2", "example.com", null)), "ALPN and SNI alone say nothing of TLS");
        assertEquals(Optional.empty(), ProxiedTls.of(new ProxyTlvs(null, null, new ProxySsl(0, 0, "TLSv1.3", null, null, null, null))));
    }

    @Test
    void aVerifiedClientCertificateGivesItsName() {
        TlsInfo t = ProxiedTls.of(new ProxyTlvs("h2", "example.com", new ProxySsl(0x03, 0, "TLSv1.3", "alice", "TLS_AES_128_GCM_SHA256", null, null))).orElseThrow();
        assertEquals(new TlsInfo("TLSv1.3", "TLS_AES_128_GCM_SHA256", true, true, "alice", "h2", "example.com"), t);
    }

    @Test
    void anUnverifiedCertificateGivesNoName() {
        TlsInfo t = ProxiedTls.of(new ProxyTlvs(null, null, new ProxySsl(0x03, 20, "TLSv1.2", "mallory", "ECDHE-ECDSA-AES128-GCM-SHA256", null, null))).orElseThrow();
        assertTrue(t.clientCertificatePresented());
        assertFalse(t.clientCertificateVerified());
        assertNull(t.clientCommonName(), "a name nobody vouched for is not offered");
    }

    @Test
    void noClientCertificate() {
        TlsInfo t = ProxiedTls.of(new ProxyTlvs(null, null, new ProxySsl(0x01, 0, "TLSv1.3", null, "TLS_AES_128_GCM_SHA256", null, null))).orElseThrow();
        assertFalse(t.clientCertificatePresented());
        assertFalse(t.clientCertificateVerified(), "verify 0 without a certificate verifies nothing");
        assertNull(t.clientCommonName());
        assertNull(t.applicationProtocol());
        assertNull(t.serverName());
    }
}
