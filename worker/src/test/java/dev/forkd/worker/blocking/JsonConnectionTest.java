package dev.forkd.worker.blocking;

import dev.forkd.worker.common.Protocol;
import dev.forkd.worker.handlers.BuiltInHandlers;
import dev.forkd.api.Connection;
import dev.forkd.api.Handler;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.forkd.shared.framing.Framing;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.Timeout;

/** ClientConnection in json framing, over a real Unix socket pair, as the supervisor relays to it. */
@Timeout(10)
class JsonConnectionTest {
    /** What the seed's heartbeat client sends: json.dumps({"type": "ping"}), no delimiter. */
    private static final String PING = "{\"type\": \"ping\"}";
    private static final String PONG = "{\"type\":\"pong\"}";

    @RegisterExtension
    final RelayFixture relay = new RelayFixture();

    /** Echoes, recording what it saw. */
    private static final class RecordingEcho implements Handler {
        final List<String> seen = new CopyOnWriteArrayList<>();

        @Override
        public void onMessage(Connection c, ByteBuffer m) throws Exception {
            seen.add(UTF_8.decode(m.duplicate()).toString());
            c.reply(m);
        }
    }

    private RelayedStream relayed(Handler handler) throws IOException {
        Protocol p = new Protocol(Framing.JSON, RelayedStream.MAX_FRAME, 0, 4096, TimeUnit.SECONDS.toNanos(30));
        return relay.open(p, handler);
    }

    private static byte[] bytes(String s) {
        return s.getBytes(UTF_8);
    }

    @Test
    void theTutorialsPingsGetPongsWithoutReachingTheHandler() throws Exception {
        RecordingEcho h = new RecordingEcho();
        RelayedStream s = relayed(h);
        s.write(bytes(PING));
        assertEquals(PONG, s.readLine());
        s.write(bytes(PING + PING));
        assertEquals(PONG, s.readLine());
        assertEquals(PONG, s.readLine());
        s.write(bytes(PING.substring(0, 7)));
        s.write(bytes(PING.substring(7)));
        assertEquals(PONG, s.readLine());
        assertEquals(List.of(), h.seen);
    }

    @Test
    void otherValuesReachTheHandlerAndRepliesAreNdjson() throws Exception {
        RecordingEcho h = new RecordingEcho();
        RelayedStream s = relayed(h);
        s.write(bytes("{\"type\":\"ping\",\"id\":7}[1, 2]\n\"s\"  " + PING + "true "));
        assertEquals("{\"type\":\"ping\",\"id\":7}", s.readLine());
        assertEquals("[1, 2]", s.readLine());
        assertEquals("\"s\"", s.readLine());
        assertEquals(PONG, s.readLine());
        assertEquals("true", s.readLine());
        assertEquals(List.of("{\"type\":\"ping\",\"id\":7}", "[1, 2]", "\"s\"", "true"), h.seen);
    }

    @Test
    void aNumberAtTheEndOfInputIsAMessageToo() throws Exception {
        RecordingEcho h = new RecordingEcho();
        RelayedStream s = relayed(h);
        s.write(bytes("[0] 42"));
        assertEquals("[0]", s.readLine());
        s.client.shutdownOutput();
        assertEquals("42", s.readLine());
        s.assertEof();
        s.assertRunEnded();
        assertEquals(List.of("[0]", "42"), h.seen);
    }

    @Test
    void invalidJsonGetsAnErrorValueAndCloses() throws Exception {
        RecordingEcho h = new RecordingEcho();
        RelayedStream s = relayed(h);
        s.write(bytes("{\"ok\":1}{\"bad\" 1}"));
        assertEquals("{\"ok\":1}", s.readLine());
        String error = s.readLine();
        assertTrue(error.startsWith("{\"type\":\"error\",\"message\":\"invalid JSON at byte 15"), error);
        s.assertEofOrReset();
        s.assertRunEnded();
        assertEquals(List.of("{\"ok\":1}"), h.seen);
    }

    @Test
    void aValueOverTheLimitGetsAnErrorValueAndCloses() throws Exception {
        RelayedStream s = relayed(new RecordingEcho());
        s.write(bytes("[\"" + "x".repeat(RelayedStream.MAX_FRAME)));
        String error = s.readLine();
        assertEquals("{\"type\":\"error\",\"message\":\"JSON value longer than the limit of 1024 bytes\"}", error);
        s.assertEofOrReset();
        s.assertRunEnded();
    }

    @Test
    void tooDeepGetsAnErrorValueAndCloses() throws Exception {
        RelayedStream s = relayed(new RecordingEcho());
        s.write(bytes("[".repeat(200)));
        assertEquals("{\"type\":\"error\",\"message\":\"JSON nested deeper than 128 levels\"}", s.readLine());
        s.assertEofOrReset();
        s.assertRunEnded();
    }

    @Test
    void upperChangesStringValuesOnlyAndReverseLikewise() throws Exception {
        Handler upper = BuiltInHandlers.named("upper", Framing.JSON).get();
        RelayedStream s = relayed(upper);
        s.write(bytes("{\"msg\": \"hi, \\u00e9t\u00e9\", \"n\": 1.50, \"big\": 123456789012345678901234567890, \"ok\": true, \"l\": [\"a\", null]} \"x\" 3 "));
        assertEquals("{\"msg\":\"HI, \u00e9T\u00e9\",\"n\":1.50,\"big\":123456789012345678901234567890,\"ok\":true,\"l\":[\"A\",null]}", s.readLine());
        assertEquals("\"X\"", s.readLine());
        assertEquals("3", s.readLine());

        Handler reverse = BuiltInHandlers.named("reverse", Framing.JSON).get();
        RelayedStream r = relayed(reverse);
        r.write(bytes("{\"k\":\"abc\\ud83d\\ude00\"}"));
        assertEquals("{\"k\":\"\ud83d\ude00cba\"}", r.readLine());
    }
}
