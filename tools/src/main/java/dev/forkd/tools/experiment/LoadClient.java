package dev.forkd.tools.experiment;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * One closed-loop client of the crash experiment: connect, ask {@code pid}, then N echo round
 * trips, each reply checked; close, and again at once until the end. Any error, timeout or wrong
 * reply fails that connection, and the client carries on with a new one.
 */
final class LoadClient implements Runnable {
    private static final Logger LOG = LogManager.getLogger(LoadClient.class);
    static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);
    /** Longer than hang detection (worker timeout, then TERM, KILL grace): a hung worker's clients fail by its death, not by our timeout. */
    static final Duration READ_TIMEOUT = Duration.ofSeconds(20);
    /** The longest a client waits while the injector holds its connection. */
    static final long MAX_HOLD_NANOS = TimeUnit.SECONDS.toNanos(30);
    /** After a failed connect, so that a refusing server does not turn into a busy loop. */
    private static final long CONNECT_FAILURE_PAUSE_MS = 20;

    private final int id;
    private final InetSocketAddress address;
    /** Null: plain TCP. */
    private final dev.forkd.tools.tls.ClientTls tls;
    private final int requests;
    private final ExperimentClock clock;
    private final long endMs;
    private final LoadRegistry registry;
    private final ThroughputBuckets throughput;

    LoadClient(int id, InetSocketAddress address, int requests, ExperimentClock clock, long endMs, LoadRegistry registry,
            ThroughputBuckets throughput, dev.forkd.tools.tls.ClientTls tls) {
        this.tls = tls;
        this.id = id;
        this.address = address;
        this.requests = requests;
        this.clock = clock;
        this.endMs = endMs;
        this.registry = registry;
        this.throughput = throughput;
    }

    @Override
    public void run() {
        try {
            for (int n = 1; clock.nowMs() < endMs; n++) {
                LoadConnection c = registry.open(new ConnKey(id, n), clock.nowMs(), requests);
                if (!runOne(c)) {
                    TimeUnit.MILLISECONDS.sleep(CONNECT_FAILURE_PAUSE_MS);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            LOG.error("load client {} failed: {}", id, e.toString(), e);
        }
    }

    /** Runs one connection to its end; false if it could not even connect. */
    private boolean runOne(LoadConnection c) throws InterruptedException {
        ChaosConnection conn;
        try {
            conn = ChaosConnection.open(address, CONNECT_TIMEOUT, READ_TIMEOUT, tls);
        } catch (IOException e) {
            registry.finish(c, clock.nowMs(), "connect: " + describe(e));
            return false;
        }
        c.localPort(conn.localPort());
        try {
            send(conn, "pid");
            c.pidKnown(ChaosConnection.parsePid(conn.readLine()), clock.nowMs());
            for (int i = 1; i <= requests; i++) {
                c.beforeSend(MAX_HOLD_NANOS);
                String text = "c" + id + "-" + i;
                c.sentAt(clock.nowMs());
                send(conn, "echo " + text);
                String reply = conn.readLine();
                if (!reply.equals(text)) {
                    throw new IOException("wrong reply to request " + i + ": '" + reply + "'");
                }
                c.requestDone();
                throughput.record(clock.nowMs());
            }
            registry.finish(c, clock.nowMs(), null);
        } catch (IOException e) {
            registry.finish(c, clock.nowMs(), describe(e));
        } finally {
            try {
                conn.close();
            } catch (IOException e) {
                // the connection's fate is already recorded; a failed close changes nothing about it
                LOG.debug("closing {}: {}", c.key, e.toString());
            }
        }
        return true;
    }

    /** A request goes out only while the load is not frozen for a crash (see {@link LoadRegistry#freeze}). */
    private void send(ChaosConnection conn, String line) throws IOException, InterruptedException {
        registry.enterSend(MAX_HOLD_NANOS);
        try {
            conn.send(line);
        } finally {
            registry.exitSend();
        }
    }

    private static String describe(IOException e) {
        if (e instanceof SocketTimeoutException) {
            return "timed out after " + READ_TIMEOUT.toSeconds() + "s";
        }
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }
}
