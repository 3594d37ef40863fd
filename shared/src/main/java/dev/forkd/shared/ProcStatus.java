package dev.forkd.shared;

import java.util.OptionalLong;

/**
 * Linux's /proc/PID/status text, as the supervisor (for /status) and the experiment tools (for
 * their reports) read it: one parser, so that both count a process's memory alike. Callers read
 * the file as Latin-1, since its Name line may hold any bytes.
 */
public final class ProcStatus {
    private ProcStatus() {
    }

    /**
     * The {@code VmRSS} line in bytes; empty without one (a kernel thread, a zombie) or with one
     * that is not "N kB".
     */
    public static OptionalLong rssBytes(String status) {
        for (String line : status.split("\n")) {
            if (line.startsWith("VmRSS:")) {
                String[] parts = line.substring("VmRSS:".length()).trim().split("\\s+");
                if (parts.length == 2 && parts[1].equals("kB") && parts[0].matches("\\d{1,15}")) {
                    return OptionalLong.of(Long.parseLong(parts[0]) * 1024);
                }
                return OptionalLong.empty();
            }
        }
        return OptionalLong.empty();
    }
}
