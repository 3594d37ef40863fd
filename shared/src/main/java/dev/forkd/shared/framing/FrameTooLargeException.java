package dev.forkd.shared.framing;

/** A frame longer than the configured limit: detected before it is buffered, so memory stays bounded. */
public final class FrameTooLargeException extends FramingException {
    private static final long serialVersionUID = 1L;

    private final int limit;

    FrameTooLargeException(String message, int limit) {
        super(message);
        this.limit = limit;
    }

    /** The limit that was exceeded, in bytes. */
    public int limit() {
        return limit;
    }
}
