package dev.forkd.worker;

/** The worker cannot start; it exits with ExitCodes.BOOT_FAILURE and this message. */
final class BootException extends Exception {
    private static final long serialVersionUID = 1L;

    BootException(String message) {
        super(message);
    }

    BootException(String message, Throwable cause) {
        super(message, cause);
    }
}
