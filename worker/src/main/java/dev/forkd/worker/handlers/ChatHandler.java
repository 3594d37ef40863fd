package dev.forkd.worker.handlers;

import dev.forkd.worker.common.BadInputException;
import dev.forkd.worker.common.WorkerLog;
import dev.forkd.api.Connection;
import dev.forkd.api.Delivery;
import dev.forkd.api.Handler;
import dev.forkd.api.Subscription;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * {@code --handler chat}: the tutorial's JSON chat room, one room across every worker. A client
 * sends {@code join} (room, name), {@code say} (text), {@code leave} and {@code who}; it gets
 * {@code joined}, {@code said}, {@code left}, {@code members} and {@code error}. Rooms are topics
 * of the supervisor's broker ({@code chat:ROOM}), which numbers every event of a room, keeps its
 * last messages and grants or refuses names, so members in different worker processes see one
 * room. Invalid JSON is an error and closes the connection; a valid request that cannot be served
 * (a taken name, not in a room) is an error reply and the connection stays.
 */
final class ChatHandler implements Handler {
    static final String TOPIC_PREFIX = "chat:";
    static final int MAX_ROOM = 40;
    static final int MAX_NAME = 32;
    private static final ObjectMapper JSON = new ObjectMapper();

    private enum State { OUT, JOINING, IN }

    private final Object lock = new Object();
    private State state = State.OUT;
    private Subscription subscription;
    private String room;
    private String name;
    private final Set<String> members = new LinkedHashSet<>();

    @Override
    public void onMessage(Connection connection, ByteBuffer message) throws Exception {
        JsonNode request;
        try {
            request = JSON.readTree(StandardCharsets.UTF_8.decode(message).toString());
        } catch (JsonProcessingException e) {
            throw new BadInputException("invalid JSON: " + e.getOriginalMessage());
        }
        if (request == null || !request.isObject() || !request.path("type").isTextual()) {
            connection.reply(ChatJson.error("a request is a JSON object with a \"type\": join, say, leave or who"));
            return;
        }
        String type = request.get("type").asText();
        String named = text(request, "room");
        if (named != null && !type.equals("join") && !named.equals(currentRoom())) {
            connection.reply(ChatJson.error("not in room " + named));
            return;
        }
        switch (type) {
            case "join" -> join(connection, request);
            case "say" -> say(connection, request);
            case "leave" -> leave(connection);
            case "who" -> who(connection);
            default -> connection.reply(ChatJson.error("unknown type \"" + type + "\": join, say, leave or who"));
        }
    }

    private void join(Connection connection, JsonNode request) throws IOException {
        String r = text(request, "room");
        String n = text(request, "name");
        String problem = r == null ? "join needs a \"room\"" : n == null ? "join needs a \"name\""
                : !fits(r, MAX_ROOM) ? "a room name is 1 to " + MAX_ROOM + " characters, no control characters"
                : !fits(n, MAX_NAME) || n.isBlank() ? "a name is 1 to " + MAX_NAME + " characters, not blank, no control characters" : null;
        if (problem != null) {
            connection.reply(ChatJson.error(problem));
            return;
        }
        synchronized (lock) {
            if (state != State.OUT) {
                problem = "already in room " + room + "; leave first";
            } else {
                state = State.JOINING;
                room = r;
                name = n;
                members.clear();
            }
        }
        if (problem != null) {
            connection.reply(ChatJson.error(problem));
            return;
        }
        try {
            Subscription s = connection.subscribe(TOPIC_PREFIX + r, n, Integer.MAX_VALUE, d -> deliver(r, n, d));
            synchronized (lock) {
                if (state != State.OUT) {
                    subscription = s;
                }
            }
        } catch (IOException e) {
            synchronized (lock) {
                state = State.OUT;
            }
            WorkerLog.warn("chat: cannot reach the broker: {}", e.toString());
            connection.reply(ChatJson.error("the room is not reachable now: " + e.getMessage()));
        }
    }

    /**
     * The last event rendered and its JSON: the broker thread hands one Delivery to every local
     * member of the room in turn, and they all see the same bytes, so it is rendered once per worker.
     * One reference to an immutable pair, so a reader never sees one event's JSON under another's key.
     */
    private record Rendered(Delivery delivery, ByteBuffer json) {
    }

    private static volatile Rendered last;

    private static ByteBuffer shared(Delivery d, java.util.function.Supplier<ByteBuffer> render) {
        Rendered r = last;
        if (r == null || r.delivery != d) {
            r = new Rendered(d, render.get());
            last = r;
        }
        return r.json.duplicate();
    }

    /** On the worker's broker thread: one event of the room, as this member's client should see it. */
    private ByteBuffer deliver(String r, String n, Delivery d) {
        switch (d.kind()) {
            case HISTORY:
                return ChatJson.said(r, d, true);
            case GRANTED:
                synchronized (lock) {
                    state = State.IN;
                    members.addAll(d.members());
                }
                return null;
            case REFUSED:
                synchronized (lock) {
                    state = State.OUT;
                    subscription = null;
                }
                return ChatJson.error(d.reason() + ": cannot join room " + r + " as " + n);
            case MESSAGE:
                return shared(d, () -> ChatJson.said(r, d, false));
            case JOINED:
                synchronized (lock) {
                    members.add(d.member());
                }
                return shared(d, () -> ChatJson.joined(r, d));
            case LEFT:
                synchronized (lock) {
                    members.remove(d.member());
                }
                return shared(d, () -> ChatJson.left(r, d.member(), d.reason(), d.seq(), d.timestampMillis()));
            case ENDED:
                synchronized (lock) {
                    state = State.OUT;
                    subscription = null;
                }
                return ChatJson.error("lost room " + r + " (" + d.reason() + "); reconnect to join again");
            default:
                return null;
        }
    }

    private void say(Connection connection, JsonNode request) throws IOException {
        String t = text(request, "text");
        Subscription s;
        synchronized (lock) {
            s = state == State.IN ? subscription : null;
        }
        if (s == null) {
            connection.reply(ChatJson.error(state() == State.JOINING ? "wait for your \"joined\" before saying anything" : "join a room first"));
            return;
        }
        if (t == null) {
            connection.reply(ChatJson.error("say needs a \"text\""));
            return;
        }
        ByteBuffer text = StandardCharsets.UTF_8.encode(t);
        try {
            s.publish(text);
        } catch (IllegalArgumentException e) {
            connection.reply(ChatJson.error(e.getMessage()));
        }
    }

    private void leave(Connection connection) throws IOException {
        Subscription s;
        String r;
        String n;
        synchronized (lock) {
            s = subscription;
            r = room;
            n = name;
            if (s != null) {
                state = State.OUT;
                subscription = null;
            }
        }
        if (s == null) {
            connection.reply(ChatJson.error("not in a room"));
            return;
        }
        s.cancel();
        connection.reply(ChatJson.left(r, n, "leave", 0, 0));
    }

    private void who(Connection connection) throws IOException {
        List<String> names;
        String r;
        synchronized (lock) {
            names = state == State.IN ? new ArrayList<>(members) : null;
            r = room;
        }
        connection.reply(names == null ? ChatJson.error("join a room first") : ChatJson.members(r, names));
    }

    private String currentRoom() {
        synchronized (lock) {
            return state == State.OUT ? null : room;
        }
    }

    private State state() {
        synchronized (lock) {
            return state;
        }
    }

    private static String text(JsonNode request, String field) {
        JsonNode v = request.get(field);
        return v != null && v.isTextual() ? v.asText() : null;
    }

    private static boolean fits(String s, int max) {
        return !s.isEmpty() && s.codePointCount(0, s.length()) <= max && s.codePoints().noneMatch(Character::isISOControl);
    }
}
