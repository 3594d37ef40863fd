package dev.forkd.supervisor.tls;

import java.util.Locale;

/** --tls-client-auth: whether a client must, may or cannot present a certificate. */
public enum ClientAuthMode {
    /** No certificate is asked for. */
    NONE,
    /** Asked for; a client without one is served, one with a certificate the CA did not sign is refused. */
    OPTIONAL,
    /** A client without a certificate signed by the client CA is refused in the handshake. */
    REQUIRE;

    /** "none", "optional" or "require"; anything else is an IllegalArgumentException with a message for the user. */
    public static ClientAuthMode parse(String text) {
        for (ClientAuthMode m : values()) {
            if (m.name().equalsIgnoreCase(text)) {
                return m;
            }
        }
        throw new IllegalArgumentException("must be none, optional or require, not '" + text + "'");
    }

    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT);
    }
}
