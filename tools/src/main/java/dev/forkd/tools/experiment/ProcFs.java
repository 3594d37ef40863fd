package dev.forkd.tools.experiment;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.OptionalLong;

/** What the crash experiment reads about worker processes: run state and resident memory, from Linux's /proc. */
final class ProcFs {
    /** A process as the experiment cares: running, stopped (SIGSTOP), or gone (exited, a zombie, or never there). */
    enum State { RUNNING, STOPPED, GONE }

    private static final Path PROC = Path.of("/proc");

    private ProcFs() {
    }

    static State state(long pid) {
        if (!Files.isDirectory(PROC)) {
            // no /proc (not Linux): alive or not is all the JDK can tell
            return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false) ? State.RUNNING : State.GONE;
        }
        try {
            return parseStat(Files.readString(PROC.resolve(Long.toString(pid)).resolve("stat"), StandardCharsets.UTF_8));
        } catch (NoSuchFileException e) {
            return State.GONE;
        } catch (IOException e) {
            // the process went away while its stat file was read (ESRCH)
            return State.GONE;
        }
    }

    /** /proc/PID/stat: "PID (COMM) S ..."; COMM may hold spaces and parentheses, so the state follows the last ')'. */
    static State parseStat(String stat) {
        int close = stat.lastIndexOf(')');
        if (close < 0 || close + 2 >= stat.length()) {
            throw new IllegalArgumentException("not a /proc/PID/stat line: " + stat);
        }
        switch (stat.charAt(close + 2)) {
            case 'Z':
            case 'X':
            case 'x':
                return State.GONE;
            case 'T':
            case 't':
                return State.STOPPED;
            default:
                return State.RUNNING;
        }
    }

    /** VmRSS in KiB, or empty if the process is gone or /proc is not there. */
    static OptionalLong rssKiB(long pid) {
        try {
            return parseRss(Files.readString(PROC.resolve(Long.toString(pid)).resolve("status"), StandardCharsets.UTF_8));
        } catch (IOException e) {
            // gone between the /status poll and now, or no /proc: no sample, which is all this means
            return OptionalLong.empty();
        }
    }

    static OptionalLong parseRss(String status) {
        for (String line : status.split("\n")) {
            if (line.startsWith("VmRSS:")) {
                String[] parts = line.substring(6).trim().split("\\s+");
                return OptionalLong.of(Long.parseLong(parts[0]));
            }
        }
        // kernel threads and zombies have no VmRSS line
        return OptionalLong.empty();
    }
}
