package dev.forkd.tools.experiment;

import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;

/** Once a second, the resident memory (VmRSS) of every worker /status lists, for the report. */
final class RssSampler implements AutoCloseable {
    static final long INTERVAL_MS = 1000;

    private final StatusPoller poller;
    private final Thread thread;
    private final List<Long> perWorkerKiB = new ArrayList<>();
    private final List<Long> totalKiB = new ArrayList<>();
    private volatile boolean stopped;

    RssSampler(StatusPoller poller) {
        this.poller = poller;
        this.thread = new Thread(this::loop, "rss-sampler");
        this.thread.setDaemon(true);
    }

    void start() {
        thread.start();
    }

    private void loop() {
        while (!stopped) {
            sample();
            try {
                TimeUnit.MILLISECONDS.sleep(INTERVAL_MS);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    private void sample() {
        long total = 0;
        int n = 0;
        for (long pid : poller.latest().workers().keySet()) {
            OptionalLong rss = ProcFs.rssKiB(pid);
            if (rss.isPresent()) {
                total += rss.getAsLong();
                n++;
                synchronized (this) {
                    perWorkerKiB.add(rss.getAsLong());
                }
            }
        }
        if (n > 0) {
            synchronized (this) {
                totalKiB.add(total);
            }
        }
    }

    /** One value per worker per sample. */
    synchronized List<Long> perWorkerKiB() {
        return List.copyOf(perWorkerKiB);
    }

    /** The workers' sum, per sample. */
    synchronized List<Long> totalKiB() {
        return List.copyOf(totalKiB);
    }

    @Override
    public void close() throws InterruptedException {
        stopped = true;
        thread.interrupt();
        thread.join(TimeUnit.SECONDS.toMillis(5));
    }
}
