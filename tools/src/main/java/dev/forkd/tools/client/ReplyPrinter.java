package dev.forkd.tools.client;

import dev.forkd.shared.framing.Framing;
import java.io.PrintWriter;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Prints what the server sends, as UTF-8 text (invalid bytes shown as U+FFFD). A framed reply
 * goes on its own line. Raw bytes are printed as they come, with
 * a streaming decoder so that a character split across two reads is not garbled. Used by one
 * thread only.
 */
final class ReplyPrinter {
    private final Framing framing;
    private final PrintWriter out;
    private final CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
            .onMalformedInput(CodingErrorAction.REPLACE)
            .onUnmappableCharacter(CodingErrorAction.REPLACE);
    private final CharBuffer chars = CharBuffer.allocate(8192);
    /** Raw bytes not decoded yet: the start of a character whose end has not arrived. */
    private ByteBuffer pending = ByteBuffer.allocate(0);

    ReplyPrinter(Framing framing, PrintWriter out) {
        this.framing = framing;
        this.out = out;
    }

    /**
     * Prints one framed reply on its own line. In fixed framing, trailing spaces and NULs are
     * taken as the record's padding and not printed, as the client pads its own lines.
     */
    void frame(ByteBuffer frame) {
        ByteBuffer text = frame.duplicate();
        if (framing == Framing.FIXED) {
            int end = text.limit();
            while (end > text.position() && (text.get(end - 1) == ' ' || text.get(end - 1) == 0)) {
                end--;
            }
            text.limit(end);
        }
        out.println(StandardCharsets.UTF_8.decode(text));
        out.flush();
    }

    /** Prints a chunk of a raw byte stream. */
    void raw(ByteBuffer chunk) {
        ByteBuffer in = pending.hasRemaining() ? join(pending, chunk) : chunk;
        decode(in, false);
        pending = in.hasRemaining() ? copy(in) : ByteBuffer.allocate(0);
        out.flush();
    }

    /** At the end of a raw stream: prints an incomplete last character as U+FFFD. */
    void finish() {
        if (framing == Framing.RAW) {
            decode(pending, true);
            pending = ByteBuffer.allocate(0);
            decoder.flush(chars);
            drain();
        }
        out.flush();
    }

    private void decode(ByteBuffer in, boolean endOfInput) {
        while (true) {
            boolean overflow = decoder.decode(in, chars, endOfInput).isOverflow();
            drain();
            if (!overflow) {
                return;
            }
        }
    }

    private void drain() {
        chars.flip();
        out.append(chars);
        chars.clear();
    }

    private static ByteBuffer join(ByteBuffer a, ByteBuffer b) {
        return ByteBuffer.allocate(a.remaining() + b.remaining()).put(a).put(b).flip();
    }

    private static ByteBuffer copy(ByteBuffer b) {
        return ByteBuffer.allocate(b.remaining()).put(b).flip();
    }
}
