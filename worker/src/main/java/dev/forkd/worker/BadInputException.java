package dev.forkd.worker;

/** The client sent something the protocol does not allow; its connection is closed with this message. */
final class BadInputException extends Exception {
    private static final long serialVersionUID = 1L;

    BadInputException(String message) {
        super(message);
    }
}
