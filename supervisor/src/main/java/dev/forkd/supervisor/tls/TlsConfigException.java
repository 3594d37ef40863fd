package dev.forkd.supervisor.tls;

/** A certificate, key or CA file that cannot be used; the message names the file and why, for the log. */
public final class TlsConfigException extends Exception {
    private static final long serialVersionUID = 1L;

    TlsConfigException(String message) {
        super(message);
    }

    TlsConfigException(String message, Throwable cause) {
        super(message, cause);
    }
}
