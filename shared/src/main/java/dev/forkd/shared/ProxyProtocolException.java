package dev.forkd.shared;

/** A PROXY protocol header that is malformed or unsupported; the connection carrying it must be closed. */
public final class ProxyProtocolException extends Exception {
    private static final long serialVersionUID = 1L;

    public ProxyProtocolException(String message) {
        super(message);
    }
}
