package dev.forkd.worker.handlers;

import dev.forkd.api.Delivery;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Collection;

/** The chat handler's replies, one JSON object each, written with Jackson's streaming generator. */
final class ChatJson {
    private static final JsonFactory FACTORY = new JsonFactory();

    /** Fields of one reply, written in order; null values are left out. */
    interface Body {
        void write(JsonGenerator g) throws IOException;
    }

    private ChatJson() {
    }

    static ByteBuffer object(String type, Body body) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(128);
        try (JsonGenerator g = FACTORY.createGenerator(out)) {
            g.writeStartObject();
            g.writeStringField("type", type);
            body.write(g);
            g.writeEndObject();
        } catch (IOException e) {
            // a generator over a byte array only fails on a bug
            throw new UncheckedIOException(e);
        }
        return ByteBuffer.wrap(out.toByteArray());
    }

    static ByteBuffer said(String room, Delivery d, boolean replay) {
        String text = StandardCharsets.UTF_8.decode(d.payload()).toString();
        return object("said", g -> {
            g.writeStringField("room", room);
            g.writeStringField("from", d.member());
            g.writeNumberField("seq", d.seq());
            g.writeNumberField("ts", d.timestampMillis());
            g.writeStringField("text", text);
            if (replay) {
                g.writeBooleanField("replay", true);
            }
        });
    }

    static ByteBuffer joined(String room, Delivery d) {
        return object("joined", g -> {
            g.writeStringField("room", room);
            g.writeStringField("name", d.member());
            g.writeNumberField("seq", d.seq());
            g.writeNumberField("ts", d.timestampMillis());
        });
    }

    static ByteBuffer left(String room, String name, String reason, long seq, long ts) {
        return object("left", g -> {
            g.writeStringField("room", room);
            g.writeStringField("name", name);
            g.writeStringField("reason", reason);
            if (seq > 0) {
                g.writeNumberField("seq", seq);
                g.writeNumberField("ts", ts);
            }
        });
    }

    static ByteBuffer members(String room, Collection<String> names) {
        return object("members", g -> {
            g.writeStringField("room", room);
            g.writeArrayFieldStart("names");
            for (String n : names) {
                g.writeString(n);
            }
            g.writeEndArray();
        });
    }

    static ByteBuffer error(String message) {
        return object("error", g -> g.writeStringField("message", message));
    }
}
