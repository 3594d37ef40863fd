package dev.forkd.it;

import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/**
 * A chat member for the ITs: one JSON object per line out, and a reader thread that keeps every
 * line the server sends, with the time it arrived, so that tests can wait for conditions (with a
 * deadline) and check order and latency afterwards.
 */
final class ChatClient implements AutoCloseable {
    static final ObjectMapper JSON = new ObjectMapper();

    record Received(JsonNode message, long nanos) {
    }

    final String name;
    final Socket socket;
    private final OutputStream out;
    private final List<Received> received = new ArrayList<>();
    private volatile boolean ended;
    private final Thread reader;

    /** Connects; {@code read} false makes a client that never reads (the slow member). */
    ChatClient(int port, String name, boolean read) throws IOException {
        this.name = name;
        socket = new Socket();
        if (!read) {
            socket.setReceiveBufferSize(4096);
        }
        socket.connect(new InetSocketAddress("127.0.0.1", port), 10_000);
        out = socket.getOutputStream();
        reader = new Thread(this::readLoop, "chat-" + name);
        reader.setDaemon(true);
        if (read) {
            reader.start();
        }
    }

    ChatClient(int port, String name) throws IOException {
        this(port, name, true);
    }

    private void readLoop() {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = in.readLine()) != null) {
                JsonNode n = JSON.readTree(line);
                synchronized (received) {
                    received.add(new Received(n, System.nanoTime()));
                    received.notifyAll();
                }
            }
        } catch (IOException e) {
            // a reset is an end like any other for these tests
        }
        ended = true;
        synchronized (received) {
            received.notifyAll();
        }
    }

    /** Starts reading (for a client made with read false). */
    void startReading() {
        reader.start();
    }

    void send(String json) throws IOException {
        sendRaw(json + "\n");
    }

    /** Exactly these bytes, in one write: no delimiter added. */
    void sendRaw(String text) throws IOException {
        synchronized (out) {
            out.write(text.getBytes(StandardCharsets.UTF_8));
            out.flush();
        }
    }

    void send(ObjectNode message) throws IOException {
        send(JSON.writeValueAsString(message));
    }

    static ObjectNode msg(String type) {
        return JSON.createObjectNode().put("type", type);
    }

    void join(String room) throws IOException {
        send(msg("join").put("room", room).put("name", name));
    }

    void say(String text) throws IOException {
        send(msg("say").put("text", text));
    }

    /** Joins and waits for its own {@code joined}. */
    JsonNode joinAndWait(String room, Duration timeout) throws IOException, InterruptedException {
        join(room);
        return await(m -> type(m, "joined") && name.equals(m.path("name").asText()), timeout, "its own joined in " + room);
    }

    static boolean type(JsonNode m, String type) {
        return type.equals(m.path("type").asText());
    }

    List<Received> received() {
        synchronized (received) {
            return new ArrayList<>(received);
        }
    }

    List<JsonNode> messages() {
        List<JsonNode> all = new ArrayList<>();
        for (Received r : received()) {
            all.add(r.message);
        }
        return all;
    }

    long count(Predicate<JsonNode> p) {
        return messages().stream().filter(p).count();
    }

    /** The first message matching {@code p}, waiting for it. */
    JsonNode await(Predicate<JsonNode> p, Duration timeout, String what) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (received) {
            while (true) {
                for (Received r : received) {
                    if (p.test(r.message)) {
                        return r.message;
                    }
                }
                long left = deadline - System.nanoTime();
                if (left <= 0 || ended) {
                    fail(name + " did not get " + what + (ended ? " before its connection ended" : " within " + timeout) + "; it got " + received.size()
                            + " messages, the last: " + (received.isEmpty() ? "none" : received.get(received.size() - 1).message));
                }
                received.wait(Math.max(1, left / 1_000_000));
            }
        }
    }

    /** Waits until {@code n} messages match {@code p}. */
    void awaitCount(Predicate<JsonNode> p, long n, Duration timeout, String what) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (received) {
            while (received.stream().filter(r -> p.test(r.message)).count() < n) {
                long left = deadline - System.nanoTime();
                if (left <= 0 || ended) {
                    fail(name + " got " + received.stream().filter(r -> p.test(r.message)).count() + " of " + n + " " + what
                            + (ended ? " before its connection ended" : " within " + timeout));
                }
                received.wait(Math.max(1, left / 1_000_000));
            }
        }
    }

    /** Waits for the server to close the connection. */
    void awaitEnd(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (received) {
            while (!ended) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    fail(name + "'s connection was not closed within " + timeout);
                }
                received.wait(Math.max(1, left / 1_000_000));
            }
        }
    }

    boolean ended() {
        return ended;
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
