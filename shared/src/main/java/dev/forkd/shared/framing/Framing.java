package dev.forkd.shared.framing;

import java.util.Locale;
import java.util.StringJoiner;

/** How a worker cuts the client's byte stream into messages (see DESIGN.md, "Worker protocols"). */
public enum Framing {
    /** Whatever one read returned. */
    RAW,
    /** {@code \n}-terminated lines; a {@code \r} before the {@code \n} is dropped. */
    LINE,
    /** A 4-byte big-endian unsigned length, then that many bytes. */
    LENGTH,
    /** Records of a fixed number of bytes. */
    FIXED,
    /**
     * Consecutive JSON values, whitespace between them optional (NDJSON, JSON Lines, or values
     * written back to back); each frame is one value's bytes. Replies are written as NDJSON.
     */
    JSON;

    /** @throws IllegalArgumentException naming the choices when the text is not a framing */
    public static Framing parse(String text) {
        StringJoiner choices = new StringJoiner(", ");
        for (Framing f : values()) {
            if (text != null && f.name().equalsIgnoreCase(text.trim())) {
                return f;
            }
            choices.add(f.name().toLowerCase(Locale.ROOT));
        }
        throw new IllegalArgumentException("unknown framing '" + text + "' (choose from " + choices + ")");
    }
}
