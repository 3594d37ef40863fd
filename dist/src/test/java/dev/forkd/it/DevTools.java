package dev.forkd.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * A Chrome DevTools Protocol client on one WebSocket to the browser (java.net.http + Jackson):
 * commands are sent to a page through its flat session ({@code sessionId}) and answered by id;
 * every event is kept, in order, and may also be handed to a listener (on a thread of its own, so
 * that a listener may send commands).
 */
final class DevTools implements AutoCloseable {
    static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(30);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final WebSocket socket;
    private final AtomicInteger ids = new AtomicInteger();
    private final Map<Integer, CompletableFuture<JsonNode>> pending = new ConcurrentHashMap<>();
    private final List<JsonNode> events = new CopyOnWriteArrayList<>();
    private final Map<String, Consumer<JsonNode>> listeners = new ConcurrentHashMap<>();
    private final ExecutorService listenerThread = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "devtools-events");
        t.setDaemon(true);
        return t;
    });

    private DevTools(WebSocket socket) {
        this.socket = socket;
    }

    static DevTools connect(URI browser) throws IOException, InterruptedException {
        Receiver receiver = new Receiver();
        try {
            WebSocket ws = HttpClient.newHttpClient().newWebSocketBuilder().connectTimeout(Duration.ofSeconds(10))
                    .buildAsync(browser, receiver).get(30, TimeUnit.SECONDS);
            DevTools d = new DevTools(ws);
            receiver.owner = d;
            return d;
        } catch (ExecutionException | TimeoutException e) {
            throw new IOException("cannot open the DevTools WebSocket " + browser, e);
        }
    }

    /** Sends {@code method} (to the page of {@code session}; null: to the browser) and returns its result; fails on a protocol error. */
    JsonNode send(String session, String method, ObjectNode params) throws IOException, InterruptedException {
        int id = ids.incrementAndGet();
        ObjectNode msg = JSON.createObjectNode().put("id", id).put("method", method);
        msg.set("params", params == null ? JSON.createObjectNode() : params);
        if (session != null) {
            msg.put("sessionId", session);
        }
        CompletableFuture<JsonNode> answer = new CompletableFuture<>();
        pending.put(id, answer);
        try {
            synchronized (socket) {
                // one text at a time: the WebSocket refuses a send while another is under way
                socket.sendText(msg.toString(), true).get(COMMAND_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            }
            JsonNode reply = answer.get(COMMAND_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            if (reply.has("error")) {
                throw new IOException(method + " failed: " + reply.get("error"));
            }
            return reply.path("result");
        } catch (ExecutionException | TimeoutException e) {
            throw new IOException(method + ": no answer within " + COMMAND_TIMEOUT + " (" + e + ")", e);
        } finally {
            pending.remove(id);
        }
    }

    static ObjectNode params() {
        return JSON.createObjectNode();
    }

    /** Every event so far of {@code method} (e.g. Runtime.consoleAPICalled). */
    List<JsonNode> events(String method) {
        return events.stream().filter(e -> e.path("method").asText().equals(method)).toList();
    }

    /** Also hands each later event of {@code method} to {@code listener}, in order, on the listener thread. */
    void on(String method, Consumer<JsonNode> listener) {
        listeners.put(method, listener);
    }

    private void received(String text) {
        JsonNode msg;
        try {
            msg = JSON.readTree(text);
        } catch (IOException e) {
            throw new IllegalStateException("DevTools sent what is not JSON: " + text, e);
        }
        if (msg.has("id")) {
            CompletableFuture<JsonNode> f = pending.get(msg.get("id").asInt());
            if (f != null) {
                f.complete(msg);
            }
            return;
        }
        events.add(msg);
        Consumer<JsonNode> l = listeners.get(msg.path("method").asText());
        if (l != null) {
            listenerThread.execute(() -> l.accept(msg));
        }
    }

    @Override
    public void close() {
        listenerThread.shutdownNow();
        socket.abort();
    }

    /** Gathers the parts of each text message (screenshots come in many) and hands whole ones on. */
    private static final class Receiver implements WebSocket.Listener {
        volatile DevTools owner;
        private final StringBuilder partial = new StringBuilder();

        @Override
        public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
            partial.append(data);
            if (last) {
                String whole = partial.toString();
                partial.setLength(0);
                DevTools d = owner;
                if (d != null) {
                    d.received(whole);
                }
            }
            ws.request(1);
            return null;
        }

        @Override
        public void onError(WebSocket ws, Throwable error) {
            DevTools d = owner;
            if (d != null) {
                d.pending.values().forEach(f -> f.completeExceptionally(error));
            }
        }
    }
}
