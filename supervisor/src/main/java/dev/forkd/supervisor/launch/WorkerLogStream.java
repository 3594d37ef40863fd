package dev.forkd.supervisor.launch;

import dev.forkd.supervisor.pool.WorkerLogContext;
import dev.forkd.supervisor.pool.WorkerProcess;
import java.nio.charset.StandardCharsets;
import org.apache.commons.exec.LogOutputStream;
import org.apache.logging.log4j.CloseableThreadContext;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Turns a worker's stdout/stderr into supervisor log lines tagged with its id and pid. The worker
 * starts each line with its level (its own log pattern), which is kept; other output (the JVM's own
 * messages, a user handler's prints) is logged at INFO, or WARN for stderr.
 */
final class WorkerLogStream extends LogOutputStream {
    private static final Logger LOG = LogManager.getLogger("dev.forkd.worker");
    private final WorkerProcess worker;
    private final Level fallback;

    WorkerLogStream(WorkerProcess worker, boolean stderr) {
        super(0, StandardCharsets.UTF_8);
        this.worker = worker;
        this.fallback = stderr ? Level.WARN : Level.INFO;
    }

    @Override
    protected void processLine(String line, int ignored) {
        Level level = fallback;
        String text = line;
        int space = line.indexOf(' ');
        if (space > 0 && space <= 5) {
            Level parsed = Level.getLevel(line.substring(0, space));
            if (parsed != null) {
                level = parsed;
                text = line.substring(space + 1);
            }
        }
        try (CloseableThreadContext.Instance ctx = WorkerLogContext.of(worker)) {
            LOG.log(level, "[worker {} pid {}] {}", worker.id, worker.pid, text);
        }
    }
}
