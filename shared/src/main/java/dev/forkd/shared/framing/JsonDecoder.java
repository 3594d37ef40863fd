package dev.forkd.shared.framing;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.async.ByteBufferFeeder;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * A stream of JSON values (objects, arrays or scalars), with or without whitespace between them,
 * as NDJSON / JSON Lines producers and the seed's heartbeat client send them. Jackson's
 * non-blocking parser says where each value ends; each frame is that value's exact bytes (no
 * surrounding whitespace), a view of the read when the value lies within it. A value longer
 * than the limit fails as soon as that is certain, invalid JSON fails where it is seen, and
 * nesting is bounded by {@link #MAX_DEPTH}.
 *
 * <p>A top-level number, {@code true}, {@code false} or {@code null} has no end of its own: it
 * must be followed by whitespace, or by the end of the stream (where {@link #finish(FrameSink)}
 * delivers a number).
 */
final class JsonDecoder implements FrameDecoder {
    /** Deepest nesting of arrays and objects accepted, as serde_json's default recursion limit. */
    static final int MAX_DEPTH = 128;

    /**
     * Shared: creating a parser is cheap, a factory is not. Field names are not canonicalised,
     * since the factory's symbol table would grow with every distinct name any client sends. Our
     * own frame limit bounds strings and numbers, so Jackson's own limits on them are lifted.
     */
    private static final JsonFactory FACTORY = JsonFactory.builder()
            .disable(JsonFactory.Feature.CANONICALIZE_FIELD_NAMES)
            .disable(JsonFactory.Feature.INTERN_FIELD_NAMES)
            .streamReadConstraints(StreamReadConstraints.builder()
                    .maxNestingDepth(MAX_DEPTH)
                    .maxStringLength(Integer.MAX_VALUE)
                    .maxNumberLength(Integer.MAX_VALUE)
                    .maxNameLength(Integer.MAX_VALUE)
                    .build())
            .build();

    private final int maxFrame;
    private final Accumulator partial;
    private JsonParser parser;
    private ByteBufferFeeder feeder;
    /** Stream offsets (bytes since the start or the last finish): the end of what the parser has been given. */
    private long fed;
    /** The end of the last complete value: the next one starts at the first non-blank byte after it. */
    private long lastEnd;
    /** Where the value being read starts, or -1 between values. */
    private long valueStart = -1;
    private int depth;
    /**
     * Set while a sink runs and the parser still holds the rest of the read: if the sink throws,
     * the caller comes back with that rest (see {@link FrameDecoder#decode}), which is not fed again.
     */
    private long resumeAt = -1;

    JsonDecoder(int maxFrame) {
        this.maxFrame = maxFrame;
        this.partial = new Accumulator(maxFrame);
    }

    @Override
    public <X extends Exception> void decode(ByteBuffer in, FrameSink<X> sink) throws FramingException, X {
        long origin;
        if (resumeAt >= 0) {
            if (fed - resumeAt != in.remaining()) {
                throw new IllegalStateException("after a sink's exception, decode takes the rest of the same read");
            }
            origin = resumeAt - in.position();
            resumeAt = -1;
        } else {
            if (!in.hasRemaining()) {
                return;
            }
            origin = fed - in.position();
            if (lastEnd == 0 && valueStart < 0) {
                refuseByteOrderMark(in, origin);
            }
            try {
                if (parser == null) {
                    parser = FACTORY.createNonBlockingByteBufferParser();
                    feeder = (ByteBufferFeeder) parser.getNonBlockingInputFeeder();
                }
                feeder.feedInput(in);
            } catch (IOException e) {
                throw new IllegalStateException("a new parser, or one that has used up its input, takes more", e);
            }
            fed += in.remaining();
        }
        int chunkStart = in.position();
        try {
            JsonToken t;
            while ((t = parser.nextToken()) != JsonToken.NOT_AVAILABLE && t != null) {
                onToken(t, in, origin, chunkStart, sink);
            }
        } catch (StreamConstraintsException e) {
            throw new FramingException("JSON nested deeper than " + MAX_DEPTH + " levels");
        } catch (JsonProcessingException e) {
            throw invalid(e);
        } catch (IOException e) {
            throw new IllegalStateException("a non-blocking parser does no I/O", e);
        }
        long from = Math.max(lastEnd, origin + chunkStart);
        if (valueStart < 0) {
            valueStart = firstNonBlank(in, origin, from);
        }
        if (valueStart >= 0) {
            if (fed - valueStart > maxFrame) {
                throw tooLarge();
            }
            from = Math.max(valueStart, from);
            partial.append(in, (int) (from - origin), (int) (fed - from));
        }
        in.position(in.limit());
    }

    private <X extends Exception> void onToken(JsonToken t, ByteBuffer in, long origin, int chunkStart, FrameSink<X> sink)
            throws FramingException, X {
        if (valueStart < 0) {
            valueStart = firstNonBlank(in, origin, Math.max(lastEnd, origin + chunkStart));
        }
        if (t.isStructStart()) {
            depth++;
            return;
        }
        long end = parser.currentLocation().getByteOffset();
        if (t.isStructEnd()) {
            depth--;
            // Jackson 2.18's non-blocking parser lets "{"a":1,}" and "{"a":}" through when the bracket arrives in a later read
            byte before = lastNonBlankBefore(end - 1, in, origin, chunkStart);
            if (before == ',' || before == ':') {
                throw new FramingException("invalid JSON at byte " + (end - 1) + ": '" + (char) before + "' before '"
                        + (char) byteAt(end - 1, in, origin, chunkStart) + "'");
            }
        }
        if (depth > 0) {
            return;
        }
        if ((t.isNumeric() || t.isBoolean() || t == JsonToken.VALUE_NULL) && end < fed) {
            // the parser ended it at the byte after it, in this read (end < fed always holds: Jackson looks ahead for
            // these, but an index past the read must never be what fails). It would take "1.5." as 1.5 then an error
            // in one read but as an error alone when split after the "5": requiring whitespace makes both the same
            byte next = in.get((int) (end - origin));
            if (!isBlank(next)) {
                throw new FramingException("invalid JSON at byte " + end + ": a top-level number, true, false or null must be"
                        + " followed by whitespace, not '" + (char) (next & 0xFF) + "'");
            }
        }
        long length = end - valueStart;
        if (length > maxFrame) {
            throw tooLarge();
        }
        int endIndex = (int) (end - origin);
        ByteBuffer frame;
        if (partial.size() == 0) {
            frame = in.slice((int) (valueStart - origin), (int) length);
        } else {
            partial.append(in, chunkStart, endIndex - chunkStart);
            frame = partial.take((int) length);
        }
        lastEnd = end;
        valueStart = -1;
        in.position(endIndex);
        resumeAt = end < fed ? end : -1;
        sink.onFrame(frame);
        resumeAt = -1;
    }

    /**
     * Jackson skips a UTF-8 byte order mark wherever it is the stream's first non-blank byte, even
     * after whitespace that came in an earlier read (but not in the same one), and counts its
     * offsets without it. RFC 8259 lets a parser refuse one; refusing it wherever it comes keeps
     * the outcome the same however the reads fall. Called while only whitespace has arrived.
     */
    private static void refuseByteOrderMark(ByteBuffer in, long origin) throws FramingException {
        long first = firstNonBlank(in, origin, origin + in.position());
        if (first >= 0 && in.get((int) (first - origin)) == (byte) 0xEF) {
            throw new FramingException("invalid JSON at byte " + first + ": a byte order mark is not allowed (RFC 8259)");
        }
    }

    /** The stream offset of the first non-blank byte at or after {@code from} in this read, or -1. */
    private static long firstNonBlank(ByteBuffer in, long origin, long from) {
        for (int i = (int) (from - origin); i < in.limit(); i++) {
            if (!isBlank(in.get(i))) {
                return origin + i;
            }
        }
        return -1;
    }

    /** Inside the current value: the last non-blank byte before stream offset {@code at}, or 0 if none. */
    private byte lastNonBlankBefore(long at, ByteBuffer in, long origin, int chunkStart) {
        for (long i = at - 1; i >= valueStart; i--) {
            byte b = byteAt(i, in, origin, chunkStart);
            if (!isBlank(b)) {
                return b;
            }
        }
        return 0;
    }

    /** A byte of the current value: in this read, or before it in the partial value. */
    private byte byteAt(long offset, ByteBuffer in, long origin, int chunkStart) {
        long index = offset - origin;
        return index >= chunkStart ? in.get((int) index) : partial.get((int) (offset - valueStart));
    }

    private static boolean isBlank(byte b) {
        return b == ' ' || b == '\n' || b == '\r' || b == '\t';
    }

    @Override
    public int finish() {
        int dropped = partial.size();
        reset();
        return dropped;
    }

    /**
     * At end of stream a top-level number that was waiting for a delimiter is complete: it goes
     * to the sink. Anything else unfinished is dropped and counted, as in the other framings.
     */
    @Override
    public <X extends Exception> int finish(FrameSink<X> sink) throws X {
        int held = partial.size();
        try {
            if (held == 0 || depth > 0) {
                return held;
            }
            feeder.endOfInput();
            JsonToken t;
            try {
                t = parser.nextToken();
            } catch (IOException e) {
                // an unfinished value at the end ("tru", "-"): dropped like any partial frame, and counted
                return held;
            }
            // Jackson 2.18 also ends "1." and "1e+" here: a JSON number ends with a digit
            byte last = partial.get(held - 1);
            if (t == null || !t.isNumeric() || last < '0' || last > '9') {
                return held;
            }
            sink.onFrame(partial.take(held));
            return 0;
        } finally {
            reset();
        }
    }

    private void reset() {
        partial.reset();
        if (parser != null) {
            try {
                parser.close();
            } catch (IOException e) {
                // closing a non-blocking parser only releases buffers; there is no source to fail
            }
        }
        parser = null;
        feeder = null;
        fed = 0;
        lastEnd = 0;
        valueStart = -1;
        depth = 0;
        resumeAt = -1;
    }

    /** For tests: the memory held for a partial value. */
    int bufferCapacity() {
        return partial.capacity();
    }

    private FramingException invalid(JsonProcessingException e) {
        // the parser has consumed the byte it stumbled on
        long at = Math.max(0, parser.currentLocation().getByteOffset() - 1);
        return new FramingException("invalid JSON at byte " + at + ": " + e.getOriginalMessage());
    }

    private FrameTooLargeException tooLarge() {
        return new FrameTooLargeException("JSON value longer than the limit of " + maxFrame + " bytes", maxFrame);
    }
}
