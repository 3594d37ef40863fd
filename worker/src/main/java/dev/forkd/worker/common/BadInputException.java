package dev.forkd.worker.common;

/** The client sent something the protocol does not allow; its connection is closed with this message. */
public final class BadInputException extends Exception {
    private static final long serialVersionUID = 1L;

    public BadInputException(String message) {
        super(message);
    }
}
