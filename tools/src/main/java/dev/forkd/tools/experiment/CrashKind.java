package dev.forkd.tools.experiment;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** How `forkd experiment crash` brings a worker down. */
public enum CrashKind {
    /** SIGKILL of a busy worker through the admin endpoint: the worker gets no say. */
    KILL9("kill9", null),
    /** The chaos handler halts the worker (exit code 1). */
    CRASH("crash", "crash"),
    /** The chaos handler exits with a code of its own. */
    EXIT("exit", "exit 7"),
    /** The chaos handler allocates until OutOfMemoryError (exit code 3). */
    OOM("oom", "oom"),
    /** The chaos handler SIGSTOPs the worker; the supervisor kills it when its heartbeat stops. */
    HANG("hang", "hang");

    public final String cliName;
    /** The chaos command sent on the injector connection; null for kill9, which goes through the admin endpoint. */
    final String chaosCommand;

    CrashKind(String cliName, String chaosCommand) {
        this.cliName = cliName;
        this.chaosCommand = chaosCommand;
    }

    boolean viaAdmin() {
        return chaosCommand == null;
    }

    static CrashKind parse(String text) {
        for (CrashKind k : values()) {
            if (k.cliName.equalsIgnoreCase(text.trim())) {
                return k;
            }
        }
        throw new IllegalArgumentException("unknown crash kind '" + text + "' (choose from " + names() + ")");
    }

    static String names() {
        return Arrays.stream(values()).map(k -> k.cliName).collect(Collectors.joining(", "));
    }

    @Override
    public String toString() {
        return cliName.toLowerCase(Locale.ROOT);
    }
}
