package com.example.kv;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.forkd.api.Connection;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The handler alone, without forkd: a fake connection records what it replies. */
class KvHandlerTest {

    /** What forkd's Connection does, as far as this handler uses it: replies in order, and close. */
    static final class FakeConnection implements Connection {
        final List<String> replies = new ArrayList<>();
        boolean open = true;

        @Override
        public long id() {
            return 1;
        }

        @Override
        public InetSocketAddress clientAddress() {
            return new InetSocketAddress("127.0.0.1", 50000);
        }

        @Override
        public InetSocketAddress localAddress() {
            return new InetSocketAddress("127.0.0.1", 8888);
        }

        @Override
        public void reply(ByteBuffer message) throws IOException {
            if (!open) {
                throw new ClosedChannelException(); // as forkd does after close()
            }
            replies.add(StandardCharsets.UTF_8.decode(message).toString());
        }

        @Override
        public void close() {
            open = false;
        }

        @Override
        public boolean isOpen() {
            return open;
        }
    }

    /** Sends each line as forkd would in line framing (without its newline) and returns the replies. */
    private static List<String> send(KvHandler handler, FakeConnection c, String... lines) throws Exception {
        int before = c.replies.size();
        for (String line : lines) {
            handler.onMessage(c, ByteBuffer.wrap(line.getBytes(StandardCharsets.UTF_8)));
        }
        return c.replies.subList(before, c.replies.size());
    }

    @Test
    void remembersWhatWasSetUntilItIsDeleted() throws Exception {
        KvHandler kv = new KvHandler();
        FakeConnection c = new FakeConnection();
        assertEquals(List.of("OK", "OK", "hello world", "2", "1", "(nil)", "0", "1"),
                send(kv, c, "SET greeting hello world", "set n 42", "GET greeting", "SIZE", "DEL greeting", "GET greeting", "DEL greeting", "SIZE"));
        assertTrue(c.isOpen());
    }

    @Test
    void eachConnectionHasItsOwnStore() throws Exception {
        KvHandler first = new KvHandler();
        KvHandler second = new KvHandler(); // forkd makes one instance per connection
        send(first, new FakeConnection(), "SET k v");
        assertEquals(List.of("(nil)", "0"), send(second, new FakeConnection(), "GET k", "SIZE"));
    }

    @Test
    void aBadCommandIsAnsweredAndChangesNothing() throws Exception {
        KvHandler kv = new KvHandler();
        FakeConnection c = new FakeConnection();
        List<String> replies = send(kv, c, "SET onlykey", "FLY away", "", "SIZE");
        assertTrue(replies.get(0).startsWith("ERR "), replies.toString());
        assertTrue(replies.get(1).startsWith("ERR "), replies.toString());
        assertTrue(replies.get(2).startsWith("ERR "), replies.toString());
        assertEquals("0", replies.get(3));
        assertTrue(c.isOpen());
    }

    @Test
    void quitSaysByeThenCloses() throws Exception {
        KvHandler kv = new KvHandler();
        FakeConnection c = new FakeConnection();
        assertEquals(List.of("OK", "BYE"), send(kv, c, "SET BYE BYE", "QUIT"));
        assertFalse(c.isOpen());
    }

    @Test
    void aValueThatReadsLikeQuitDoesNotClose() throws Exception {
        KvHandler kv = new KvHandler();
        FakeConnection c = new FakeConnection();
        assertEquals(List.of("OK", "BYE"), send(kv, c, "SET last BYE", "GET last"));
        assertTrue(c.isOpen());
    }
}
