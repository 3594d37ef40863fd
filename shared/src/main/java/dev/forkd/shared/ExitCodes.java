package dev.forkd.shared;

/** Process exit codes shared by the supervisor and the workers (see DESIGN.md, "Contracts"). */
public final class ExitCodes {
    public static final int OK = 0;
    /** Bad command line (picocli's own usage-error code). */
    public static final int USAGE = 2;
    /** A worker could not boot; the supervisor does not restart-loop on it. */
    public static final int BOOT_FAILURE = 3;
    /** Bad configuration, e.g. the port is already in use. */
    public static final int CONFIG = 4;
    /** Internal error, including restart intensity exceeded (so that systemd's Restart= takes over). */
    public static final int INTERNAL = 70;

    private ExitCodes() {
    }
}
