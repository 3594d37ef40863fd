package dev.forkd.shared;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

class SizesTest {

    @Test
    void parsesBinaryUnitsInAnySpelling() {
        assertEquals(512, Sizes.parse("512"));
        assertEquals(512, Sizes.parse("512b"));
        assertEquals(512, Sizes.parse("512B"));
        assertEquals(64 * 1024, Sizes.parse("64KiB"));
        assertEquals(64 * 1024, Sizes.parse("64k"));
        assertEquals(64 * 1024, Sizes.parse("64K"));
        assertEquals(64 * 1024, Sizes.parse("64KB"));
        assertEquals(64 * 1024, Sizes.parse("64 KiB"));
        assertEquals(1 << 20, Sizes.parse("1MiB"));
        assertEquals(1 << 20, Sizes.parse("1m"));
        assertEquals(2L << 30, Sizes.parse("2GiB"));
        assertEquals(0, Sizes.parse("0"));
        assertEquals(7, Sizes.parse(" 7 "));
    }

    @Test
    void badInputGetsAMessageNamingIt() {
        for (String bad : new String[] {"", "KiB", "-1", "1.5MiB", "10x", "1TiB", "1KiBB", "12i", "12iB", "1 2", "1234567890123"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Sizes.parse(bad), bad);
            assertEquals("'" + bad + "' is not a size (use e.g. 512, 64KiB, 1MiB)", e.getMessage());
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Sizes.parse(null));
        assertTrue(e.getMessage().contains("required"), e.getMessage());
    }

    @Test
    void overflowIsRejected() {
        assertEquals(999_999_999_999L << 20, Sizes.parse("999999999999MiB"));
        assertEquals(8_589_934_591L << 30, Sizes.parse("8589934591GiB")); // Long.MAX_VALUE >> 30, shifted back
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Sizes.parse("8589934592GiB"));
        assertEquals("'8589934592GiB' is too large", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Sizes.parse("999999999999GiB"));
    }

    @Test
    void parseIntStopsBelowTwoGiB() {
        assertEquals(Integer.MAX_VALUE, Sizes.parseInt("2147483647"));
        assertEquals(1 << 30, Sizes.parseInt("1GiB"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Sizes.parseInt("2GiB"));
        assertEquals("'2GiB' is too large (at most 2GiB - 1)", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Sizes.parseInt("2147483648"));
        assertThrows(IllegalArgumentException.class, () -> Sizes.parseInt("nope"));
    }

    @Test
    void humanRoundsToOneDecimalInTheLargestUnitBelow1024() {
        assertEquals("0 B", Sizes.human(0));
        assertEquals("1023 B", Sizes.human(1023));
        assertEquals("1.0 KiB", Sizes.human(1024));
        assertEquals("40.5 KiB", Sizes.human(40 * 1024 + 512));
        assertEquals("1.0 MiB", Sizes.human((1 << 20) - 1));
        assertEquals("119.3 MiB", Sizes.human(125_095_936));
        assertEquals("2.0 GiB", Sizes.human(1L << 31));
        assertEquals("4096.0 TiB", Sizes.human(1L << 52));
    }

    @Test
    void formatUsesTheLargestExactUnitAndReadsBack() {
        assertEquals("0", Sizes.format(0));
        assertEquals("1000", Sizes.format(1000));
        assertEquals("1KiB", Sizes.format(1024));
        assertEquals("1025", Sizes.format(1025));
        assertEquals("1536KiB", Sizes.format(1536 * 1024));
        assertEquals("1MiB", Sizes.format(1 << 20));
        assertEquals("2GiB", Sizes.format(2L << 30));
        Random r = new Random(7);
        for (int i = 0; i < 10_000; i++) {
            long n = (long) r.nextInt(1 << 20) << (10 * r.nextInt(4));
            assertEquals(n, Sizes.parse(Sizes.format(n)), "n " + n);
        }
    }
}
