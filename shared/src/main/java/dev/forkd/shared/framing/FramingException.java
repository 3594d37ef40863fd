package dev.forkd.shared.framing;

/** The client's bytes cannot be cut into frames; its connection must be closed. The message is fit for a user. */
public class FramingException extends Exception {
    private static final long serialVersionUID = 1L;

    FramingException(String message) {
        super(message);
    }
}
