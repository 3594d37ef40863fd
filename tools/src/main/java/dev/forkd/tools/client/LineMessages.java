package dev.forkd.tools.client;

import dev.forkd.shared.Heartbeat;
import dev.forkd.shared.framing.FrameEncoder;
import dev.forkd.shared.framing.Framing;
import dev.forkd.shared.framing.Framings;
import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * Turns one input line of {@code forkd client} into the buffers of one message, in the chosen
 * framing. {@code raw} sends the line and a {@code \n} (so that a line-oriented server sees the
 * line end); {@code line} and {@code length} use the shared encoders; {@code fixed} pads a short
 * line with spaces to the record size and refuses a longer one, since cutting it would send a
 * different message than the user typed.
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

    /** @throws IllegalArgumentException (a message fit for a user) if the line does not fit a fixed record */
    ByteBuffer[] encode(byte[] line) {
        switch (framing) {
            case RAW:
                return new ByteBuffer[] {ByteBuffer.wrap(line), ByteBuffer.wrap(NEWLINE)};
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

    private ByteBuffer padded(byte[] line) {
        byte[] record = Arrays.copyOf(line, fixedSize);
        Arrays.fill(record, line.length, fixedSize, PAD);
        return ByteBuffer.wrap(record);
    }
}
