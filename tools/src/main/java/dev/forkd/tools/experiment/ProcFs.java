package dev.forkd.tools.experiment;

import dev.forkd.shared.ProcStatus;
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
        String status;
        try {
            status = Files.readString(PROC.resolve(Long.toString(pid)).resolve("status"), StandardCharsets.ISO_8859_1);
        } catch (IOException e) {
            // gone between the /status poll and now, or no /proc: no sample, which is all this means
            return OptionalLong.empty();
        }
        OptionalLong bytes = ProcStatus.rssBytes(status);
        return bytes.isPresent() ? OptionalLong.of(bytes.getAsLong() / 1024) : bytes;
    }
}
