package dev.forkd.tools.client;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;

/**
 * Reads {@code \n}-terminated lines as bytes, so that text in any encoding is sent unchanged.
 * A {@code \r} before the {@code \n} is dropped, as the server's line framing does; a last line
 * without a {@code \n} still counts.
 */
final class InputLines {
    private final InputStream in;
    private final ByteArrayOutputStream line = new ByteArrayOutputStream();

    InputLines(InputStream in) {
        this.in = new BufferedInputStream(in);
    }

    /** The next line without its terminator, or null at end of input. */
    byte[] next() throws IOException {
        line.reset();
        int b;
        while ((b = in.read()) >= 0) {
            if (b == '\n') {
                return take();
            }
            line.write(b);
        }
        return line.size() == 0 ? null : take();
    }

    private byte[] take() {
        byte[] bytes = line.toByteArray();
        int n = bytes.length;
        if (n > 0 && bytes[n - 1] == '\r') {
            return java.util.Arrays.copyOf(bytes, n - 1);
        }
        return bytes;
    }
}
