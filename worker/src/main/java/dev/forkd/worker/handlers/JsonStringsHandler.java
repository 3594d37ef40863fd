package dev.forkd.worker.handlers;

import dev.forkd.api.Connection;
import dev.forkd.api.Handler;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.json.JsonWriteFeature;
import com.fasterxml.jackson.core.util.ByteArrayBuilder;
import java.nio.ByteBuffer;
import java.util.function.UnaryOperator;

/**
 * {@code upper} and {@code reverse} in json framing: the reply is the message with each string
 * value changed (object keys, numbers, literals and structure kept), written compactly. Changing
 * the bytes as in the other framings would break the JSON: {@code true} upper-cased is not JSON,
 * nor is {@code {"a":1}} reversed. Numbers are copied as their text, so no precision is lost.
 */
final class JsonStringsHandler implements Handler {
    /** The json framing has already bounded the message by --max-frame and its nesting: no second set of limits here. */
    private static final JsonFactory FACTORY = JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder()
                    .maxStringLength(Integer.MAX_VALUE)
                    .maxNumberLength(Integer.MAX_VALUE)
                    .maxNameLength(Integer.MAX_VALUE)
                    .build())
            // characters outside the BMP as UTF-8, not as escaped surrogate pairs
            .enable(JsonWriteFeature.COMBINE_UNICODE_SURROGATES_IN_UTF8)
            .build();

    private final UnaryOperator<String> change;

    JsonStringsHandler(UnaryOperator<String> change) {
        this.change = change;
    }

    /** ASCII letters only, as the upper handler does in the other framings (and Python's bytes.upper()). */
    static String upper(String s) {
        char[] c = s.toCharArray();
        for (int i = 0; i < c.length; i++) {
            if (c[i] >= 'a' && c[i] <= 'z') {
                c[i] -= 'a' - 'A';
            }
        }
        return new String(c);
    }

    /** By code point, so that a character outside the BMP stays whole. */
    static String reverse(String s) {
        return new StringBuilder(s).reverse().toString();
    }

    @Override
    public void onMessage(Connection connection, ByteBuffer message) throws Exception {
        byte[] in;
        int offset;
        if (message.hasArray()) {
            in = message.array();
            offset = message.arrayOffset() + message.position();
        } else {
            in = new byte[message.remaining()];
            message.duplicate().get(in);
            offset = 0;
        }
        ByteArrayBuilder out = new ByteArrayBuilder(message.remaining() + 16);
        try (JsonParser p = FACTORY.createParser(in, offset, message.remaining());
                JsonGenerator g = FACTORY.createGenerator(out)) {
            JsonToken t;
            while ((t = p.nextToken()) != null) {
                switch (t) {
                    case VALUE_STRING:
                        g.writeString(change.apply(p.getText()));
                        break;
                    case VALUE_NUMBER_INT:
                    case VALUE_NUMBER_FLOAT:
                        g.writeNumber(p.getText());
                        break;
                    default:
                        g.copyCurrentEvent(p);
                }
            }
        }
        connection.reply(ByteBuffer.wrap(out.toByteArray()));
    }
}
