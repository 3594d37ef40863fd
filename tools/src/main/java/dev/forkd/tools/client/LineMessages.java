package dev.forkd.tools.client;

import dev.forkd.shared.Heartbeat;
import dev.forkd.shared.framing.FrameDecoder;
import dev.forkd.shared.framing.FrameEncoder;
import dev.forkd.shared.framing.Framing;
import dev.forkd.shared.framing.FramingException;
import dev.forkd.shared.framing.Framings;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Turns one input line of {@code forkd client} into the buffers of one message, in the chosen
 * framing. {@code raw} sends the line and a {@code \n} (so that a line-oriented server sees the
 * line end); {@code line} and {@code length} use the shared encoders; {@code fixed} pads a short
 * line with spaces to the record size and refuses a longer one, since cutting it would send a
 * different message than the user typed. {@code json} sends the line as typed, and its {@code \n}
 * (which ends a number), if it is exactly one JSON value: a typo would otherwise cost the session,
 * since the server answers invalid JSON by closing the connection.
 */
final class LineMessages {
    private static final byte PAD = ' ';
    private static final byte[] NEWLINE = {'\n'};

    private final Framing framing;
    private final int fixedSize;
    private final FrameEncoder encoder;

    LineMessages(Framing framing, int fixedSize) {
        this.framing = framing;
        this.fixedSize = fixedSize;
        this.encoder = Framings.encoder(framing, fixedSize);
    }

    /**
     * The message for one line; null for a blank line in json, which holds no value to send.
     *
     * @throws IllegalArgumentException (a message fit for a user) if the line does not fit a fixed
     *     record, or in json is not exactly one JSON value
     */
    ByteBuffer[] encode(byte[] line) {
        switch (framing) {
            case RAW:
                return new ByteBuffer[] {ByteBuffer.wrap(line), ByteBuffer.wrap(NEWLINE)};
            case JSON:
                return jsonValue(line) == null ? null : new ByteBuffer[] {ByteBuffer.wrap(line), ByteBuffer.wrap(NEWLINE)};
            case FIXED:
                if (line.length > fixedSize) {
                    throw new IllegalArgumentException(line.length + " bytes do not fit a " + fixedSize + "-byte record (--fixed-size)");
                }
                return encoder.encode(padded(line));
            default:
                return encoder.encode(ByteBuffer.wrap(line));
        }
    }

    /**
     * The heartbeat ping as one message, padded like a line in fixed framing (the server ignores
     * trailing spaces in a heartbeat); null in raw framing, which has no heartbeat, or when a ping
     * does not fit the record size.
     */
    ByteBuffer[] ping() {
        if (framing == Framing.RAW) {
            return null;
        }
        ByteBuffer ping = Heartbeat.ping();
        if (framing == Framing.FIXED) {
            if (ping.remaining() > fixedSize) {
                return null;
            }
            byte[] bytes = new byte[ping.remaining()];
            ping.get(bytes);
            return encoder.encode(padded(bytes));
        }
        return encoder.encode(ping);
    }

    /** Whether the line is a heartbeat ping, whose reply will be a pong (and printed, since the user typed it). */
    boolean isPing(byte[] line) {
        if (framing != Framing.JSON) {
            return Heartbeat.classify(ByteBuffer.wrap(line)) == Heartbeat.Kind.PING;
        }
        ByteBuffer value = jsonValue(line);
        return value != null && Heartbeat.classifyValue(value) == Heartbeat.Kind.PING;
    }

    /**
     * The line's one JSON value, as the server's json framing will cut it; null if the line is blank.
     *
     * @throws IllegalArgumentException if it holds something else
     */
    private static ByteBuffer jsonValue(byte[] line) {
        // the decoder's own limit is the line: the server's --max-frame is the server's to enforce
        FrameDecoder d = Framings.decoder(Framing.JSON, Math.max(1, line.length), 0);
        List<ByteBuffer> values = new ArrayList<>();
        try {
            d.decode(ByteBuffer.wrap(line), values::add);
            if (d.finish(values::add) > 0) {
                throw new IllegalArgumentException("not a whole JSON value");
            }
        } catch (FramingException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
        if (values.size() > 1) {
            throw new IllegalArgumentException(values.size() + " JSON values on one line: type one per line");
        }
        return values.isEmpty() ? null : values.get(0);
    }

    private ByteBuffer padded(byte[] line) {
        byte[] record = Arrays.copyOf(line, fixedSize);
        Arrays.fill(record, line.length, fixedSize, PAD);
        return ByteBuffer.wrap(record);
    }
}
