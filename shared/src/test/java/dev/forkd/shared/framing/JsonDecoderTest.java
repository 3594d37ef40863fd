package dev.forkd.shared.framing;

import static dev.forkd.shared.framing.Streams.bytes;
import static dev.forkd.shared.framing.Streams.decode;
import static dev.forkd.shared.framing.Streams.feed;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class JsonDecoderTest {
    /** Exactly what the seed's heartbeat client sends: json.dumps({"type": "ping"}), no delimiter. */
    private static final String PING = "{\"type\": \"ping\"}";

    private static FrameDecoder json(int maxFrame) {
        return Framings.decoder(Framing.JSON, maxFrame, 0);
    }

    private static String end(FrameDecoder d, List<String> out) {
        int dropped = d.finish(f -> out.add(Streams.str(f)));
        return "dropped " + dropped;
    }

    @Test
    void aValueNeedsNoDelimiterAndSeveralMayShareARead() throws FramingException {
        assertEquals(List.of(PING), decode(json(1024), bytes(PING)));
        assertEquals(List.of(PING, PING, PING), decode(json(1024), bytes(PING + PING + PING)));
    }

    @Test
    void aValueSplitAnywhereIsDeliveredOnceWhole() throws FramingException {
        byte[] two = bytes(PING + PING);
        for (int cut = 1; cut < two.length; cut++) {
            assertEquals(List.of(PING, PING), decode(json(1024), two, cut), "cut at " + cut);
        }
    }

    @Test
    void framesAreTheValuesOwnBytesWithoutTheWhitespaceAround() throws FramingException {
        String stream = "  {\"a\" : [1, 2.50, \"\\u00e9\"]}\n[ ]\r\n\t\"s\" {\"type\":\"ping\",\"x\":1}\n";
        assertEquals(List.of("{\"a\" : [1, 2.50, \"\\u00e9\"]}", "[ ]", "\"s\"", "{\"type\":\"ping\",\"x\":1}"),
                decode(json(1024), bytes(stream)));
    }

    @Test
    void aFrameWithinOneReadIsAViewOfItNotACopy() throws FramingException {
        ByteBuffer in = ByteBuffer.wrap(bytes(" [1] "));
        List<ByteBuffer> frames = new ArrayList<>();
        json(64).decode(in, frames::add);
        assertSame(in.array(), frames.get(0).array());
    }

    @Test
    void topLevelScalarsEndAtWhitespaceOrTheEndOfTheStream() throws FramingException {
        FrameDecoder d = json(1024);
        List<String> out = decode(d, bytes("1 22\n-3.5e2\ttrue false\r\nnull \"x\"\"y\"{}[]4"), 3, 9);
        assertEquals(List.of("1", "22", "-3.5e2", "true", "false", "null", "\"x\"", "\"y\"", "{}", "[]"), out);
        // the last number has no delimiter yet: only the end of the stream completes it
        assertEquals("dropped 0", end(d, out));
        assertEquals("4", out.get(out.size() - 1));
    }

    @Test
    void topLevelScalarsOneByteARead() throws FramingException {
        FrameDecoder d = json(64);
        List<String> out = new ArrayList<>();
        for (byte b : bytes("true false null 12 -0.5e3 \"s\"\n7")) {
            feed(d, new byte[] {b}, out);
        }
        end(d, out);
        assertEquals(List.of("true", "false", "null", "12", "-0.5e3", "\"s\"", "7"), out);
    }

    @Test
    void aTopLevelNumberOrKeywordFollowedByAnythingButWhitespaceIsRefusedHoweverItIsCut() {
        for (String bad : new String[] {"12{}", "1.5.", "true[1]", "null\"x\"", "-0.5e3,"}) {
            byte[] b = bytes(bad);
            for (int cut = 1; cut < b.length; cut++) {
                int at = cut;
                List<String> out = new ArrayList<>();
                assertThrows(FramingException.class, () -> feedAll(json(64), b, at, out), bad + " cut at " + cut);
                assertEquals(List.of(), out, bad + " cut at " + cut);
            }
        }
    }

    private static void feedAll(FrameDecoder d, byte[] b, int cut, List<String> out) throws FramingException {
        feed(d, ByteBuffer.wrap(b, 0, cut), out);
        feed(d, ByteBuffer.wrap(b, cut, b.length - cut), out);
    }

    @Test
    void theEndOfTheStreamDropsWhatIsUnfinishedAndCountsIt() throws FramingException {
        for (String tail : new String[] {"{\"a\": [1", "\"abc", "tru", "-", "1.", "1e+", "12e"}) {
            FrameDecoder d = json(1024);
            List<String> out = decode(d, bytes("[0] " + tail));
            assertEquals("dropped " + tail.length(), end(d, out), tail);
            assertEquals(List.of("[0]"), out, tail);
        }
        FrameDecoder blank = json(1024);
        List<String> out = decode(blank, bytes("{} \n "));
        assertEquals("dropped 0", end(blank, out));
        assertEquals(0, json(8).finish(), "nothing read, nothing dropped");
    }

    @Test
    void afterFinishANewStreamStarts() throws FramingException {
        FrameDecoder d = json(1024);
        decode(d, bytes("[1, 2"));
        assertEquals(5, d.finish());
        assertEquals(List.of("{}"), decode(d, bytes("{} ")));
    }

    @Test
    void aValueOneByteOverTheLimitFailsAndOneAtItPasses() throws FramingException {
        String atLimit = "{\"a\":\"" + "x".repeat(24) + "\"}"; // 32 bytes
        assertEquals(List.of(atLimit), decode(json(32), bytes(atLimit + " ")));
        String over = "{\"a\":\"" + "x".repeat(25) + "\"}";
        FrameTooLargeException e = assertThrows(FrameTooLargeException.class, () -> decode(json(32), bytes(over + " ")));
        assertEquals(32, e.limit());
        assertEquals("JSON value longer than the limit of 32 bytes", e.getMessage());
        // whitespace around values does not count
        assertEquals(List.of("[1]", "[2]"), decode(json(3), bytes("   [1]        \n\n   [2]   ")));
    }

    @Test
    void aValueThatNeverEndsFailsOnceItPassesTheLimitHoldingNoMore() throws FramingException {
        JsonDecoder d = (JsonDecoder) json(100);
        List<String> out = new ArrayList<>();
        feed(d, bytes("\"" + "y".repeat(99)), out);
        assertTrue(d.bufferCapacity() <= 100);
        assertThrows(FrameTooLargeException.class, () -> feed(d, bytes("yy"), out));
        assertTrue(d.bufferCapacity() <= 100);
    }

    @Test
    void invalidJsonFailsWithAMessageNamingWhereAndWhy() {
        FramingException e = assertThrows(FramingException.class, () -> decode(json(1024), bytes("{\"ok\":1} {\"bad\" 1}")));
        assertTrue(e.getMessage().startsWith("invalid JSON at byte 16: Unexpected character ('1'"), e.getMessage());
        assertTrue(!e.getMessage().contains("Source"), "no parser internals: " + e.getMessage());
        for (String bad : new String[] {"{} ,", "[1,]", "{\"a\":1,}", "{\"a\":}", "01 ", "\"\\x\"", "{\"a\":\"\u0001\"}", "NaN ", "}"}) {
            assertThrows(FramingException.class, () -> decode(json(1024), bytes(bad)), bad);
        }
    }

    @Test
    void trailingCommasAndMissingValuesFailHoweverTheyAreCut() {
        // Jackson 2.18's non-blocking parser lets these through when the closing bracket comes in a later read
        for (String bad : new String[] {"{\"a\":1,}", "{\"a\":1, \n}", "{\"k\":}", "[1,]", "[[1],\n ]"}) {
            byte[] b = bytes(bad);
            for (int cut = 1; cut < b.length; cut++) {
                int at = cut;
                FramingException e = assertThrows(FramingException.class, () -> decode(json(1024), b, at), bad + " cut at " + cut);
                assertTrue(e.getMessage().startsWith("invalid JSON at byte"), e.getMessage());
            }
        }
    }

    @Test
    void aByteOrderMarkIsRefused() {
        FramingException e = assertThrows(FramingException.class, () -> decode(json(64), new byte[] {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF, '{', '}'}));
        assertTrue(e.getMessage().contains("byte order mark"), e.getMessage());
    }

    @Test
    void aByteOrderMarkAfterLeadingWhitespaceIsRefusedHoweverTheReadsFall() {
        // Jackson's parser would skip a BOM in a later read while it has seen only whitespace (found by fuzzing in CI)
        byte[] b = {' ', '\n', (byte) 0xEF, (byte) 0xBB, (byte) 0xBF, '1', ' '};
        for (int cut = 0; cut < b.length; cut++) {
            int at = cut;
            FramingException e = assertThrows(FramingException.class, () -> decode(json(64), b, at), "cut at " + cut);
            assertTrue(e.getMessage().contains("invalid JSON at byte 2: a byte order mark"), "cut at " + cut + ": " + e.getMessage());
        }
    }

    @Test
    void nestingIsBoundedAt128() throws FramingException {
        String ok = "[".repeat(128) + "]".repeat(128);
        assertEquals(List.of(ok), decode(json(1024), bytes(ok)));
        String deep = "[".repeat(129) + "]".repeat(129);
        FramingException e = assertThrows(FramingException.class, () -> decode(json(1024), bytes(deep)));
        assertEquals("JSON nested deeper than 128 levels", e.getMessage());
        assertEquals(128, Framings.jsonMaxDepth());
        // a client that only opens brackets is stopped by the depth bound long before the frame limit
        assertThrows(FramingException.class, () -> decode(json(1 << 20), bytes("{\"a\":".repeat(1000))));
    }

    @Test
    void aSinkThatThrowsLeavesTheRestOfTheReadToTheCaller() throws FramingException {
        FrameDecoder d = json(64);
        ByteBuffer in = ByteBuffer.wrap(bytes("[1] [2] [3"));
        List<String> out = new ArrayList<>();
        IllegalStateException boom = new IllegalStateException("boom");
        IllegalStateException thrown = assertThrows(IllegalStateException.class, () -> d.decode(in, f -> {
            out.add(Streams.str(f));
            throw boom;
        }));
        assertSame(boom, thrown);
        assertEquals(3, in.position(), "consumed up to and including the frame");
        feed(d, in, out);
        feed(d, bytes("]"), out);
        assertEquals(List.of("[1]", "[2]", "[3]"), out);
    }

    @Test
    void repliesAreWrittenAsNdjson() {
        ByteBuffer[] parts = Framings.encoder(Framing.JSON, 0).encode(ByteBuffer.wrap(bytes("{\"type\":\"pong\"}")));
        assertEquals("{\"type\":\"pong\"}\n", Streams.str(Streams.concat(List.<ByteBuffer[]>of(parts))));
    }
}
