package dev.forkd.worker.blocking;

import dev.forkd.worker.handlers.BuiltInHandlers;
import dev.forkd.worker.common.Protocol;
import dev.forkd.api.Connection;
import dev.forkd.api.Handler;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.forkd.shared.framing.Framing;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.Timeout;

/**
 * ClientConnection in the framed modes over a real Unix socket pair; the test plays the
 * supervisor's relay (a PROXY v2 header, then the client's bytes). Every read is bounded by the
 * class timeout, so a worker that fails to answer or to close fails the test instead of hanging it.
 */
@Timeout(10)
class FramedConnectionTest {
    private static final InetSocketAddress CLIENT = RelayedStream.CLIENT;
    private static final int MAX_FRAME = RelayedStream.MAX_FRAME;
    private static final int BUFFER = 4096;
    private static final long HEARTBEAT_TIMEOUT = TimeUnit.SECONDS.toNanos(30);
    private static final String PING = "{\"type\":\"ping\"}";
    private static final String PONG = "{\"type\":\"pong\"}";

    @RegisterExtension
    final RelayFixture relay = new RelayFixture();

    private static Protocol protocol(Framing framing, int fixedSize) {
        return new Protocol(framing, MAX_FRAME, fixedSize, BUFFER, HEARTBEAT_TIMEOUT);
    }

    private RelayedStream relayed(Protocol protocol, Handler handler) throws IOException {
        return relay.open(protocol, handler);
    }

    /** Records the messages its handler sees, and upper-cases them as the upper handler does. */
    private static final class RecordingUpper implements Handler {
        final List<String> seen = new CopyOnWriteArrayList<>();
        private final Handler upper = BuiltInHandlers.named("upper", Framing.RAW).get();

        @Override
        public void onMessage(Connection c, ByteBuffer m) throws Exception {
            seen.add(UTF_8.decode(m.duplicate()).toString());
            upper.onMessage(c, m);
        }
    }

    private static byte[] bytes(String s) {
        return s.getBytes(UTF_8);
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }

    private static byte[] lengthFrame(byte[] payload) {
        return ByteBuffer.allocate(4 + payload.length).putInt(payload.length).put(payload).array();
    }

    private static String padded(String s, int size) {
        StringBuilder b = new StringBuilder(s);
        while (b.length() < size) {
            b.append(' ');
        }
        return b.toString();
    }

    // --- line ---

    @Test
    void lineIsUpperCasedAndFramedBack() throws Exception {
        RelayedStream s = relayed(protocol(Framing.LINE, 0), BuiltInHandlers.named("upper", Framing.RAW).get());
        s.write(bytes("hello\n"));
        assertEquals("HELLO\n", s.readText(6));
    }

    @Test
    void lineDropsTheCarriageReturnAndAnswersEachLine() throws Exception {
        RelayedStream s = relayed(protocol(Framing.LINE, 0), BuiltInHandlers.named("upper", Framing.RAW).get());
        s.write(bytes("a\r\nb\n"));
        assertEquals("A\nB\n", s.readText(4));
    }

    @Test
    void lineSplitAcrossWritesIsOneMessage() throws Exception {
        RecordingUpper h = new RecordingUpper();
        RelayedStream s = relayed(protocol(Framing.LINE, 0), h);
        for (byte b : bytes("split\n")) {
            s.write(new byte[] {b});
        }
        assertEquals("SPLIT", s.readLine());
        assertEquals(List.of("split"), h.seen);
    }

    @Test
    void linePingIsAnsweredByTheWorkerNotTheHandler() throws Exception {
        RecordingUpper h = new RecordingUpper();
        RelayedStream s = relayed(protocol(Framing.LINE, 0), h);
        s.write(bytes("before\n" + PING + "\nafter\n"));
        assertEquals("BEFORE", s.readLine());
        assertEquals(PONG, s.readLine());
        assertEquals("AFTER", s.readLine());
        assertEquals(List.of("before", "after"), h.seen, "the handler never sees a heartbeat");
    }

    @Test
    void aPingLikeLineThatIsNotJsonGetsAnErrorAndCloses() throws Exception {
        RecordingUpper h = new RecordingUpper();
        RelayedStream s = relayed(protocol(Framing.LINE, 0), h);
        s.write(bytes("{\"type\":ping}\n"));
        String error = s.readLine();
        assertTrue(error.startsWith("{\"type\":\"error\",\"message\":\""), error);
        assertTrue(error.contains("heartbeat"), error);
        s.assertEof();
        s.assertRunEnded();
        assertEquals(List.of(), h.seen);
    }

    @Test
    void aLineOverTheLimitGetsAnErrorAndCloses() throws Exception {
        RelayedStream s = relayed(protocol(Framing.LINE, 0), BuiltInHandlers.named("upper", Framing.RAW).get());
        byte[] endless = new byte[10 * 1024];
        Arrays.fill(endless, (byte) 'x');
        s.write(endless);
        String error = s.readLine();
        assertTrue(error.startsWith("{\"type\":\"error\",\"message\":\""), error);
        assertTrue(error.contains(Integer.toString(MAX_FRAME)), "names the limit: " + error);
        s.assertEofOrReset();
        s.assertRunEnded();
    }

    @Test
    void aLineOfExactlyTheLimitIsServed() throws Exception {
        RelayedStream s = relayed(protocol(Framing.LINE, 0), BuiltInHandlers.named("upper", Framing.RAW).get());
        byte[] line = new byte[MAX_FRAME];
        Arrays.fill(line, (byte) 'x');
        s.write(line, bytes("\r\n"));
        assertEquals("X".repeat(MAX_FRAME), s.readLine());
    }

    // --- length ---

    @Test
    void lengthPrefixedMessagesAreAnsweredInTheSameFraming() throws Exception {
        RelayedStream s = relayed(protocol(Framing.LENGTH, 0), BuiltInHandlers.named("upper", Framing.RAW).get());
        s.write(lengthFrame(bytes("hello")), lengthFrame(bytes("world!")));
        assertArrayEquals(lengthFrame(bytes("HELLO")), s.read(9));
        assertArrayEquals(lengthFrame(bytes("WORLD!")), s.read(10));
    }

    @Test
    void aZeroLengthMessageGetsAZeroLengthReply() throws Exception {
        RecordingUpper h = new RecordingUpper();
        RelayedStream s = relayed(protocol(Framing.LENGTH, 0), h);
        s.write(lengthFrame(new byte[0]), lengthFrame(bytes("x")));
        assertArrayEquals(new byte[] {0, 0, 0, 0}, s.read(4));
        assertArrayEquals(lengthFrame(bytes("X")), s.read(5));
        assertEquals(List.of("", "x"), h.seen);
    }

    @Test
    void aTwoGibLengthPrefixGetsAnErrorFrameAndCloses() throws Exception {
        RelayedStream s = relayed(protocol(Framing.LENGTH, 0), BuiltInHandlers.named("upper", Framing.RAW).get());
        // only the prefix: the worker must answer at once, not wait for (or buffer) the payload
        s.write(new byte[] {(byte) 0x80, 0, 0, 0});
        String error = new String(s.readLengthFrame(), UTF_8);
        assertTrue(error.startsWith("{\"type\":\"error\",\"message\":\""), error);
        assertTrue(error.contains("2147483648"), "names the announced length: " + error);
        s.assertEof();
        s.assertRunEnded();
    }

    @Test
    void aLengthPingIsAnsweredWithAPongFrame() throws Exception {
        RecordingUpper h = new RecordingUpper();
        RelayedStream s = relayed(protocol(Framing.LENGTH, 0), h);
        s.write(lengthFrame(bytes(PING)));
        assertEquals(PONG, new String(s.readLengthFrame(), UTF_8));
        assertEquals(List.of(), h.seen);
    }

    // --- fixed ---

    @Test
    void twoFixedRecordsInOneWriteGetTwoRecordsBack() throws Exception {
        RecordingUpper h = new RecordingUpper();
        RelayedStream s = relayed(protocol(Framing.FIXED, 8), h);
        s.write(bytes("abcdefghijklmnop"));
        assertEquals("ABCDEFGHIJKLMNOP", s.readText(16));
        assertEquals(List.of("abcdefgh", "ijklmnop"), h.seen);
    }

    @Test
    void aTrailingPartialRecordIsDroppedAtEndOfInput() throws Exception {
        RecordingUpper h = new RecordingUpper();
        RelayedStream s = relayed(protocol(Framing.FIXED, 8), h);
        s.write(bytes("abcdefgh" + "xyz"));
        s.client.shutdownOutput();
        assertEquals("ABCDEFGH", s.readText(8));
        assertEquals(-1, s.client.read(ByteBuffer.allocate(8)), "the 3 trailing bytes get no answer; then EOF");
        s.assertRunEnded();
        assertEquals(List.of("abcdefgh"), h.seen);
    }

    @Test
    void aPaddedFixedPingGetsAPaddedPong() throws Exception {
        RecordingUpper h = new RecordingUpper();
        RelayedStream s = relayed(protocol(Framing.FIXED, 16), h);
        s.write(bytes(padded(PING, 16)), bytes("0123456789abcdef"));
        assertEquals(padded(PONG, 16), s.readText(16));
        assertEquals("0123456789ABCDEF", s.readText(16));
        assertEquals(List.of("0123456789abcdef"), h.seen);
    }

    // --- heartbeat timeout ---

    private ClientConnection idleConnection(Protocol protocol) throws IOException {
        return relay.idle(protocol, BuiltInHandlers.named("upper", Framing.RAW).get());
    }

    @Test
    void aFramedConnectionSilentPastTheHeartbeatTimeoutIsClosed() throws Exception {
        ClientConnection c = idleConnection(protocol(Framing.LINE, 0));
        long now = System.nanoTime();
        assertFalse(c.closeIfSilent(now + HEARTBEAT_TIMEOUT / 2));
        assertTrue(c.isOpen());
        assertTrue(c.closeIfSilent(now + HEARTBEAT_TIMEOUT + TimeUnit.SECONDS.toNanos(10)));
        assertFalse(c.isOpen());
        assertFalse(c.closeIfSilent(now + 2 * HEARTBEAT_TIMEOUT), "closing once is enough");
    }

    @Test
    void aMessageRestartsTheHeartbeatClock() throws Exception {
        RelayedStream s = relayed(protocol(Framing.LINE, 0), BuiltInHandlers.named("upper", Framing.RAW).get());
        s.write(bytes("x\n"));
        assertEquals("X", s.readLine());
        // the last message so far came before this instant: a timeout from here would close
        long before = System.nanoTime();
        s.write(bytes(PING + "\n"));
        assertEquals(PONG, s.readLine());
        assertFalse(s.connection.closeIfSilent(before + HEARTBEAT_TIMEOUT + 1), "the ping counts as a message");
        assertTrue(s.connection.isOpen());
    }

    @Test
    void rawConnectionsHaveNoHeartbeatTimeout() throws Exception {
        ClientConnection c = idleConnection(new Protocol(Framing.RAW, MAX_FRAME, 0, BUFFER, HEARTBEAT_TIMEOUT));
        assertFalse(c.closeIfSilent(System.nanoTime() + TimeUnit.DAYS.toNanos(1)));
        assertTrue(c.isOpen());
    }

    @Test
    void aZeroHeartbeatTimeoutIsOff() throws Exception {
        ClientConnection c = idleConnection(new Protocol(Framing.LINE, MAX_FRAME, 0, BUFFER, 0));
        assertFalse(c.closeIfSilent(System.nanoTime() + TimeUnit.DAYS.toNanos(1)));
        assertTrue(c.isOpen());
    }

    @Test
    void aFramedHandlerSeesTheClientAddress() throws Exception {
        List<InetSocketAddress> seen = new CopyOnWriteArrayList<>();
        Handler h = (c, m) -> {
            seen.add(c.clientAddress());
            c.reply(ByteBuffer.wrap(bytes("ok")));
        };
        RelayedStream s = relayed(protocol(Framing.LINE, 0), h);
        s.write(bytes("x\n"));
        assertEquals("ok", s.readLine());
        assertEquals(List.of(CLIENT), seen);
    }

    @Test
    void aMessageTheJsonHandlerCannotParseGetsAnErrorAndCloses() throws Exception {
        RelayedStream s = relayed(protocol(Framing.LINE, 0), BuiltInHandlers.named("json", Framing.RAW).get());
        s.write(bytes("[1,2]\n{\"a\":\n"));
        assertEquals("[1,2]", s.readLine());
        String error = s.readLine();
        assertTrue(error.startsWith("{\"type\":\"error\",\"message\":\"not a JSON document"), error);
        s.assertEof();
        s.assertRunEnded();
    }
}
