package dev.forkd.supervisor.tls;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs a command (openssl, curl) to its end for a test; shared with dist's TlsIT through the test-jar. */
public final class Commands {
    /** Its exit code and its output, stdout and stderr together. */
    public record Result(int exit, String output) {
    }

    private Commands() {
    }

    /** Runs {@code command} with {@code stdin}; an AssertionError if it has not ended within {@code timeout}. */
    public static Result run(List<String> command, String stdin, Duration timeout) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        try (OutputStream in = p.getOutputStream()) {
            in.write(stdin.getBytes(StandardCharsets.UTF_8));
        }
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            p.destroyForcibly();
            throw new AssertionError(String.join(" ", command) + " did not end within " + timeout);
        }
        return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8));
    }
}
