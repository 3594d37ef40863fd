package dev.forkd.shared;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class ControlMessageTest {

    @Test
    void encodesOneLineEach() {
        assertEquals("ready 3 12345\n", ControlMessage.ready(3, 12345).encode());
        assertEquals("ping 7\n", ControlMessage.ping(7).encode());
        assertEquals("pong 7\n", ControlMessage.pong(7).encode());
        assertEquals("drain\n", ControlMessage.drain().encode());
        assertEquals("stop\n", ControlMessage.stop().encode());
    }

    @Test
    void roundTrip() {
        for (ControlMessage m : List.of(
                ControlMessage.ready(0, 1), ControlMessage.ready(Integer.MAX_VALUE, Long.MAX_VALUE),
                ControlMessage.ping(0), ControlMessage.ping(Long.MIN_VALUE), ControlMessage.pong(Long.MAX_VALUE),
                ControlMessage.drain(), ControlMessage.stop())) {
            String line = m.encode();
            assertTrue(line.endsWith("\n") && line.indexOf('\n') == line.length() - 1, line);
            assertTrue(line.length() <= ControlMessage.MAX_LINE, line);
            assertEquals(m, ControlMessage.parse(line.substring(0, line.length() - 1)));
            assertEquals(m, ControlMessage.parse(line), "a stray newline or \\r is tolerated");
        }
        assertEquals(ControlMessage.ping(5), ControlMessage.parse("ping 5\r"));
        assertEquals(ControlMessage.stop(), ControlMessage.parse("STOP"));
    }

    @Test
    void badLinesAreRejectedWithAReason() {
        assertMessage("unknown control message ''", "");
        assertMessage("unknown control message 'hello'", "hello world");
        assertMessage("control message 'ready' takes 2 arguments", "ready 1");
        assertMessage("control message 'ping' takes 1 arguments", "ping");
        assertMessage("control message 'ping' takes 1 arguments", "ping 1 2");
        assertMessage("control message 'ping' takes 1 arguments", "ping  1");
        assertMessage("control message 'stop' takes 0 arguments", "stop now");
        assertMessage("bad number in control message 'ping x'", "ping x");
        assertMessage("bad number in control message 'pong 99999999999999999999'", "pong 99999999999999999999");
        assertMessage("control line too long", "ping " + "1".repeat(ControlMessage.MAX_LINE));
    }

    private static void assertMessage(String expected, String line) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ControlMessage.parse(line), line);
        assertEquals(expected, e.getMessage());
    }
}
