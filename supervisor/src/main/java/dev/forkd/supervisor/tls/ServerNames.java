package dev.forkd.supervisor.tls;

import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;

/** The server names a certificate answers for, for SNI: its SAN DNS entries, and its subject CN. */
final class ServerNames {
    /** subjectAltName's dNSName (RFC 5280, 4.2.1.6). */
    private static final int DNS_NAME = 2;

    private ServerNames() {
    }

    /** Lower-case names, SANs first; wildcards ("*.example.com") as written. */
    static Set<String> of(X509Certificate cert) {
        Set<String> names = new LinkedHashSet<>();
        try {
            Collection<List<?>> sans = cert.getSubjectAlternativeNames();
            if (sans != null) {
                for (List<?> san : sans) {
                    if (san.size() >= 2 && Integer.valueOf(DNS_NAME).equals(san.get(0)) && san.get(1) instanceof String) {
                        names.add(((String) san.get(1)).toLowerCase(Locale.ROOT));
                    }
                }
            }
        } catch (CertificateParsingException e) {
            // a malformed SAN extension: the handshake's own checks judge it; the CN below may still name it
        }
        String cn = commonName(cert.getSubjectX500Principal().getName());
        if (cn != null && cn.matches("[A-Za-z0-9*][A-Za-z0-9.*-]*")) {
            names.add(cn.toLowerCase(Locale.ROOT));
        }
        return names;
    }

    /** The CN of an RFC 2253 distinguished name, or null. */
    static String commonName(String distinguishedName) {
        try {
            List<Rdn> rdns = new LdapName(distinguishedName).getRdns();
            // LdapName lists the most significant RDN first; the CN that matters is the last one in the DN's text
            for (Rdn rdn : rdns) {
                if (rdn.getType().equalsIgnoreCase("CN")) {
                    return String.valueOf(rdn.getValue());
                }
            }
        } catch (InvalidNameException e) {
            // not parseable: no CN to report
        }
        return null;
    }
}
