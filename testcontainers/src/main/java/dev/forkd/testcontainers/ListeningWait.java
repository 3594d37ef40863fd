package dev.forkd.testcontainers;

import java.util.regex.Pattern;
import org.testcontainers.containers.ContainerLaunchException;
import org.testcontainers.containers.wait.strategy.AbstractWaitStrategy;

/**
 * Ready when forkd logs {@code listening on HOST:PORT}, which it does once every worker is ready;
 * failed at once when the container exits first (a refused option exits 2, a port in use 4, workers
 * that cannot boot 3), with forkd's own words, instead of at the startup timeout as Testcontainers'
 * log-message wait would.
 */
final class ListeningWait extends AbstractWaitStrategy {
    /** The supervisor's line, as text or inside a JSON log line; a worker's lines start with "[worker ". */
    private static final Pattern LISTENING = Pattern.compile("(?m)^(?!.*\\[worker ).*\\blistening on \\S");
    private static final long POLL_MILLIS = 100;
    private static final int TAIL = 4000;

    static boolean listening(String log) {
        return LISTENING.matcher(log).find();
    }

    @Override
    protected void waitUntilReady() {
        long deadline = System.nanoTime() + startupTimeout.toNanos();
        while (true) {
            String log = waitStrategyTarget.getLogs();
            if (listening(log)) {
                return;
            }
            if (!waitStrategyTarget.isRunning()) {
                Long code = waitStrategyTarget.getCurrentContainerInfo().getState().getExitCodeLong();
                throw new ContainerLaunchException("forkd exited (code " + code + ") before listening; its log ends:\n" + tail(log));
            }
            if (System.nanoTime() - deadline >= 0) {
                throw new ContainerLaunchException("forkd did not log 'listening on' within " + startupTimeout + "; its log ends:\n" + tail(log));
            }
            try {
                Thread.sleep(POLL_MILLIS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new ContainerLaunchException("interrupted while waiting for forkd to listen", e);
            }
        }
    }

    static String tail(String log) {
        return log.length() <= TAIL ? log : "..." + log.substring(log.length() - TAIL);
    }
}
