package com.example;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.forkd.testcontainers.ForkdContainer;
import dev.forkd.testcontainers.ForkdWorker;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;
import org.testcontainers.containers.output.Slf4jLogConsumer;

/**
 * forkd in a test: start it, talk to it, and check the promise of a forking server: a worker that
 * dies takes down only the connection it was serving, and is replaced.
 */
class CrashIsolationTest {
    /** forkd's image: scripts/docker/build-image.sh builds forkd:local from a checkout. */
    private static final String IMAGE = System.getProperty("forkd.image", "forkd:local");
    /** "bridge" (Docker's default network, mapped ports) or "host" (for engines without a bridge). */
    private static final String NETWORK = System.getProperty("forkd.network", "bridge");

    private static ForkdContainer forkd;

    @BeforeAll
    static void startForkd() {
        forkd = new ForkdContainer(IMAGE)
                .withHandler("upper")   // forkd's built-in: replies with each line upper-cased
                .withFraming("line")
                .withWorkers(3)
                .withLogConsumer(new Slf4jLogConsumer(LoggerFactory.getLogger("forkd")));
        if (NETWORK.equals("host")) {
            forkd.withHostNetwork();
        }
        forkd.start(); // returns once forkd logs "listening on": every worker is ready
    }

    @AfterAll
    static void stopForkd() {
        forkd.stop();
    }

    @Test
    void repliesWithTheLineUpperCased() throws IOException {
        try (LineClient client = new LineClient(forkd.getHost(), forkd.getClientPort())) {
            assertEquals("HELLO, FORKD", client.ask("hello, forkd"));
        }
    }

    @Test
    void aKilledWorkerTakesDownOnlyTheConnectionItServed() throws IOException {
        forkd.awaitReady(Duration.ofSeconds(60));

        // three conversations: in forkd's prefork model each one holds a worker of its own
        List<LineClient> clients = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            LineClient client = new LineClient(forkd.getHost(), forkd.getClientPort());
            assertEquals("HELLO " + i, client.ask("hello " + i));
            clients.add(client);
        }

        // kill -9 one of the busy workers, through forkd's admin endpoint
        ForkdWorker victim = forkd.workers().stream()
                .filter(w -> w.activeConnections() == 1)
                .findFirst().orElseThrow();
        forkd.killWorker(victim.id());

        // exactly one conversation ended; the two on other workers go on
        int ended = 0;
        for (LineClient client : clients) {
            if (client.hasEnded()) {
                ended++;
            } else {
                assertEquals("STILL HERE", client.ask("still here"));
            }
            client.close();
        }
        assertEquals(1, ended, "only the killed worker's connection ends");

        // forkd has replaced the worker, and new connections are served
        List<ForkdWorker> workers = forkd.awaitReady(Duration.ofSeconds(60));
        assertTrue(workers.stream().noneMatch(w -> w.id() == victim.id()), "worker " + victim.id() + " was replaced");
        try (LineClient client = new LineClient(forkd.getHost(), forkd.getClientPort())) {
            assertEquals("AFTER", client.ask("after"));
        }
    }

    /** A line-at-a-time TCP client, as a test would write one. */
    static final class LineClient implements AutoCloseable {
        private final Socket socket;
        private final BufferedReader in;
        private final PrintWriter out;

        LineClient(String host, int port) throws IOException {
            socket = new Socket(host, port);
            socket.setSoTimeout(10_000);
            in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
            out = new PrintWriter(socket.getOutputStream(), false, StandardCharsets.UTF_8);
        }

        String ask(String line) throws IOException {
            out.print(line + "\n");
            out.flush();
            String reply = in.readLine();
            if (reply == null) {
                throw new IOException("connection ended");
            }
            return reply;
        }

        /** Whether the server has closed this connection (it answers nothing any more). */
        boolean hasEnded() {
            try {
                out.print("are you there?\n");
                out.flush();
                return in.readLine() == null;
            } catch (IOException e) {
                return true; // reset: ended as well
            }
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }
}
