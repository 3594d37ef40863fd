package dev.forkd.worker.handlers;

import dev.forkd.worker.common.BadInputException;
import dev.forkd.api.Connection;
import dev.forkd.api.Handler;
import dev.forkd.shared.framing.Framing;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import org.junit.jupiter.api.Test;

class HandlersTest {

    /**
     * Records what the handler replied, consuming the buffer as a real reply does. Like a real
     * connection, it refuses replies once closed, so a handler that writes after closing fails.
     */
    static final class RecordingConnection implements Connection {
        final ByteArrayOutputStream replies = new ByteArrayOutputStream();
        boolean open = true;

        @Override
        public long id() {
            return 1;
        }

        @Override
        public InetSocketAddress clientAddress() {
            return null;
        }

        @Override
        public InetSocketAddress localAddress() {
            return null;
        }

        @Override
        public void reply(ByteBuffer message) throws IOException {
            if (!open) {
                throw new ClosedChannelException();
            }
            byte[] b = new byte[message.remaining()];
            message.get(b);
            replies.writeBytes(b);
        }

        @Override
        public void close() {
            open = false;
        }

        @Override
        public boolean isOpen() {
            return open;
        }

        String text() {
            return replies.toString(UTF_8);
        }
    }

    private static String run(Handler h, String message) throws Exception {
        RecordingConnection c = new RecordingConnection();
        h.onMessage(c, ByteBuffer.wrap(message.getBytes(UTF_8)));
        return c.text();
    }

    @Test
    void upperChangesAsciiLettersOnly() throws Exception {
        assertEquals("HELLO, WORLD 42!\n", run(new UpperHandler(), "Hello, world 42!\n"));
        assertEquals("CAFé üBER", run(new UpperHandler(), "café über"), "UTF-8 bytes are left alone");
    }

    @Test
    void upperKeepsToThePositionAndLimit() throws Exception {
        byte[] bytes = "abcdef".getBytes(UTF_8);
        ByteBuffer buf = ByteBuffer.wrap(bytes, 2, 2);
        RecordingConnection c = new RecordingConnection();
        new UpperHandler().onMessage(c, buf);
        assertEquals("CD", c.text());
        assertEquals("abCDef", new String(bytes, UTF_8));
    }

    @Test
    void upperLeavesASplitUtf8CharacterIntact() throws Exception {
        byte[] e = "é".getBytes(UTF_8);
        RecordingConnection c = new RecordingConnection();
        UpperHandler h = new UpperHandler();
        h.onMessage(c, ByteBuffer.wrap(new byte[] {'a', e[0]}));
        h.onMessage(c, ByteBuffer.wrap(new byte[] {e[1], 'b'}));
        assertEquals("AéB", c.text());
    }

    @Test
    void echoRepliesExactly() throws Exception {
        assertEquals("Hi é\r\n", run(new EchoHandler(), "Hi é\r\n"));
        assertEquals("", run(new EchoHandler(), ""));
    }

    @Test
    void reverseKeepsTheLineEndAtTheEnd() throws Exception {
        ReverseHandler h = new ReverseHandler();
        assertEquals("cba\n", run(h, "abc\n"));
        assertEquals("cba\r\n", run(h, "abc\r\n"));
        assertEquals("dcba", run(h, "abcd"));
        assertEquals("", run(h, ""));
        assertEquals("x", run(h, "x"));
        assertEquals("\n", run(h, "\n"));
        assertEquals("\r\n", run(h, "\r\n"));
    }

    @Test
    void reverseKeepsToThePositionAndLimit() throws Exception {
        ByteBuffer buf = ByteBuffer.wrap("--abc\n--".getBytes(UTF_8), 2, 4);
        RecordingConnection c = new RecordingConnection();
        new ReverseHandler().onMessage(c, buf);
        assertEquals("cba\n", c.text());
    }

    @Test
    void defaultEndOfInputCloses() throws Exception {
        RecordingConnection c = new RecordingConnection();
        new EchoHandler().onEndOfInput(c);
        assertFalse(c.isOpen());
        assertEquals(0, c.replies.size());
    }

    @Test
    void sha256AnswersTheHexDigestOfEachMessage() throws Exception {
        Handler h = BuiltInHandlers.named("sha256", Framing.RAW).get();
        assertEquals("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", run(h, "abc"));
        assertEquals("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", run(h, "abc"), "each message on its own");
    }

    @Test
    void jsonAnswersTheDocumentCompactAndCallsOtherBytesBadInput() throws Exception {
        Handler h = BuiltInHandlers.named("json", Framing.RAW).get();
        assertEquals("{\"a\":[1,true]}", run(h, "{ \"a\": [1, true] }"));
        BadInputException e = org.junit.jupiter.api.Assertions.assertThrows(BadInputException.class, () -> run(h, "{\"a\":"));
        org.junit.jupiter.api.Assertions.assertTrue(e.getMessage().startsWith("not a JSON document: "), e.getMessage());
        assertFalse(e.getMessage().contains("\n"), "one line for the error reply: " + e.getMessage());
    }
}
