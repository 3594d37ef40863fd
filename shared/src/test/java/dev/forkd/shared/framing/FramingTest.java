package dev.forkd.shared.framing;

import static dev.forkd.shared.framing.Streams.bytes;
import static dev.forkd.shared.framing.Streams.str;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

class FramingTest {

    @Test
    void parseIgnoresCaseAndSurroundingSpace() {
        assertEquals(Framing.RAW, Framing.parse("raw"));
        assertEquals(Framing.LINE, Framing.parse("LINE"));
        assertEquals(Framing.LENGTH, Framing.parse(" Length "));
        assertEquals(Framing.FIXED, Framing.parse("fixed"));
        assertEquals(Framing.JSON, Framing.parse("json"));
    }

    @Test
    void parseRejectsOthersListingTheChoices() {
        for (String bad : new String[] {"lines", "", "netstring", null}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Framing.parse(bad));
            assertEquals("unknown framing '" + bad + "' (choose from raw, line, length, fixed, json)", e.getMessage());
        }
    }

    @Test
    void factoryRejectsNonPositiveSizes() {
        assertThrows(IllegalArgumentException.class, () -> Framings.decoder(Framing.LINE, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> Framings.decoder(Framing.LENGTH, -1, 0));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Framings.decoder(Framing.FIXED, 100, 0));
        assertTrue(e.getMessage().contains("record size"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Framings.encoder(Framing.FIXED, -3));
        // the record size only matters for FIXED
        Framings.decoder(Framing.LINE, 100, 0);
        Framings.encoder(Framing.LENGTH, 0);
    }

    @Test
    void lengthPrefixIsFourByteBigEndianUnsigned() {
        FrameEncoder enc = Framings.encoder(Framing.LENGTH, 0);
        ByteBuffer payload = ByteBuffer.wrap(new byte[258]);
        ByteBuffer[] parts = enc.encode(payload);
        assertEquals(2, parts.length);
        byte[] prefix = new byte[4];
        parts[0].get(prefix);
        // Python: struct.pack('!I', 258) == b'\x00\x00\x01\x02'
        assertArrayEquals(new byte[] {0x00, 0x00, 0x01, 0x02}, prefix);
        assertSame(payload, parts[1], "the payload is gathered, not copied");

        ByteBuffer[] empty = enc.encode(ByteBuffer.allocate(0));
        assertEquals(4, empty[0].remaining());
        assertEquals(0, empty[0].getInt());
        assertEquals(0, empty[1].remaining());
    }

    @Test
    void lineEncoderAppendsNewlineEachTimeAfresh() {
        FrameEncoder enc = Framings.encoder(Framing.LINE, 0);
        ByteBuffer payload = ByteBuffer.wrap(bytes("HELLO"));
        ByteBuffer[] first = enc.encode(payload);
        assertSame(payload, first[0]);
        assertEquals("\n", str(first[1]));
        first[1].get(); // a writer consumed it: the next message still gets its newline
        assertEquals("\n", str(enc.encode(ByteBuffer.allocate(0))[1]));
    }

    @Test
    void rawAndFixedPassThePayloadAlone() {
        ByteBuffer p = ByteBuffer.wrap(bytes("abcd"));
        assertArrayEquals(new ByteBuffer[] {p}, Framings.encoder(Framing.RAW, 0).encode(p));
        assertSame(p, Framings.encoder(Framing.FIXED, 4).encode(p)[0]);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Framings.encoder(Framing.FIXED, 5).encode(p));
        assertEquals("a fixed-size record must be 5 bytes, not 4", e.getMessage());
    }
}
