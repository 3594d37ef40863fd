package dev.forkd.supervisor.restart;

/** Reads a child's exit value as Java reports it: 128 + N means killed by signal N. */
public final class ExitStatus {
    private static final String[] SIGNALS = {
        null, "HUP", "INT", "QUIT", "ILL", "TRAP", "ABRT", "BUS", "FPE", "KILL", "USR1", "SEGV", "USR2",
        "PIPE", "ALRM", "TERM"
    };

    private ExitStatus() {
    }

    static boolean isSignal(int exitValue) {
        return exitValue > 128 && exitValue < 128 + 65;
    }

    public static String describe(int exitValue) {
        if (isSignal(exitValue)) {
            int sig = exitValue - 128;
            String name = sig < SIGNALS.length ? SIGNALS[sig] : null;
            return "killed by signal " + (name == null ? Integer.toString(sig) : name + " (" + sig + ")");
        }
        return "exit code " + exitValue;
    }
}
