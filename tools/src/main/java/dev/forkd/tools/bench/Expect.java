package dev.forkd.tools.bench;

import dev.forkd.shared.compute.ComputeWork;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Random;

/**
 * What {@code forkd bench} takes as the right reply to its message of lowercase letters:
 * {@code upper} (forkd's default handler), {@code echo}, {@code sha256} (its SHA-256 in hex, the
 * sha256 handler), or {@code any} reply at all (for other handlers) except forkd's
 * {@code {"type":"error",...}} message; or, with {@code json}, the message is a JSON document of
 * the size asked for and the reply is the same document (the json handler).
 */
enum Expect {
    UPPER,
    ECHO,
    SHA256,
    JSON,
    ANY;

    private static final byte[] ERROR_PREFIX = "{\"type\":\"error\"".getBytes(StandardCharsets.US_ASCII);

    static Expect parse(String text) {
        for (Expect e : values()) {
            if (e.name().equalsIgnoreCase(text.trim())) {
                return e;
            }
        }
        throw new IllegalArgumentException("unknown reply expectation '" + text + "' (choose from upper, echo, sha256, json, any)");
    }

    /** The message to send, different per connection but the same from run to run. */
    byte[] payload(int size, long seed) {
        if (this == JSON) {
            return ComputeWork.document(size, seed);
        }
        Random random = new Random(seed);
        byte[] b = new byte[size];
        for (int i = 0; i < size; i++) {
            b[i] = (byte) ('a' + random.nextInt(26));
        }
        return b;
    }

    /** The exact reply expected to {@code payload}, or null if any reply will do. */
    byte[] expectedReply(byte[] payload) {
        switch (this) {
            case UPPER:
                return new String(payload, StandardCharsets.US_ASCII).toUpperCase(Locale.ROOT).getBytes(StandardCharsets.US_ASCII);
            case ECHO:
                return payload.clone();
            case SHA256:
                return ComputeWork.expectedReply(ComputeWork.Kind.SHA256, payload);
            case JSON:
                return ComputeWork.expectedReply(ComputeWork.Kind.JSON, payload);
            default:
                return null;
        }
    }

    /** Whether a framed reply is right, given {@link #expectedReply} (null: anything but an error message). */
    static boolean matches(ByteBuffer frame, byte[] expected) {
        if (expected != null) {
            return frame.equals(ByteBuffer.wrap(expected));
        }
        return frame.remaining() < ERROR_PREFIX.length
                || !frame.slice(frame.position(), ERROR_PREFIX.length).equals(ByteBuffer.wrap(ERROR_PREFIX));
    }

    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** For picocli: an unknown value is a command-line error (exit 2). */
    static final class Converter implements picocli.CommandLine.ITypeConverter<Expect> {
        @Override
        public Expect convert(String value) {
            try {
                return parse(value);
            } catch (IllegalArgumentException e) {
                throw new picocli.CommandLine.TypeConversionException(e.getMessage());
            }
        }
    }
}
