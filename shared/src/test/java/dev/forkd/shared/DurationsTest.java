package dev.forkd.shared;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Random;
import org.junit.jupiter.api.Test;

class DurationsTest {

    @Test
    void parsesEachUnit() {
        assertEquals(Duration.ofMillis(500), Durations.parse("500ms"));
        assertEquals(Duration.ofSeconds(10), Durations.parse("10s"));
        assertEquals(Duration.ofMinutes(2), Durations.parse("2m"));
        assertEquals(Duration.ofHours(1), Durations.parse("1h"));
        assertEquals(Duration.ofDays(3), Durations.parse("3d"));
        assertEquals(Duration.ZERO, Durations.parse("0ms"));
    }

    @Test
    void aNumberWithoutItsUnitIsRefusedButZero() {
        // `--idle-timeout 5` was silently 5 seconds; whoever meant 5ms or 5m now hears about it
        for (String bare : new String[] {"5", " 5 ", "30", "100"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Durations.parse(bare), bare);
            String n = bare.trim();
            assertEquals("'" + n + "' has no unit: write " + n + "s for seconds (or " + n + "ms, " + n + "m, " + n + "h, " + n + "d)",
                    e.getMessage());
        }
        // 0 is 0 in every unit: "0 = off" options keep reading it
        assertEquals(Duration.ZERO, Durations.parse("0"));
        assertEquals(Duration.ZERO, Durations.parse("00"));
    }

    @Test
    void badInputGetsAMessageNamingIt() {
        for (String bad : new String[] {"", "s", "10x", "-1s", "1.5s", "10 s", "10S", "1e3", "ten", "1234567890123"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Durations.parse(bad), bad);
            assertEquals("'" + bad + "' is not a duration (use e.g. 500ms, 10s, 2m, 1h)", e.getMessage());
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Durations.parse(null));
        assertTrue(e.getMessage().contains("required"), e.getMessage());
    }

    @Test
    void tooLargeForTheClockIsRejected() {
        // the supervisor computes deadlines in nanoseconds: beyond ~292 years toNanos() would throw
        assertEquals(Duration.ofDays(106_751), Durations.parse("106751d"));
        Durations.parse("106751d").toNanos();
        for (String huge : new String[] {"106752d", "999999999999d", "999999999999h", "999999999999s"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Durations.parse(huge), huge);
            assertTrue(e.getMessage().startsWith("'" + huge + "' is too large"), e.getMessage());
        }
    }

    @Test
    void formatPicksTheShortestExactUnit() {
        assertEquals("0s", Durations.format(Duration.ZERO));
        assertEquals("1500ms", Durations.format(Duration.ofMillis(1500)));
        assertEquals("2s", Durations.format(Duration.ofMillis(2000)));
        assertEquals("90s", Durations.format(Duration.ofSeconds(90)));
        assertEquals("2m", Durations.format(Duration.ofSeconds(120)));
        assertEquals("1h", Durations.format(Duration.ofMinutes(60)));
        assertEquals("24h", Durations.format(Duration.ofDays(1)));
    }

    @Test
    void formatReadsBack() {
        Random r = new Random(42);
        for (int i = 0; i < 10_000; i++) {
            long ms = switch (r.nextInt(4)) {
                case 0 -> r.nextInt(1000);
                case 1 -> r.nextInt(100) * 1000L;
                case 2 -> r.nextInt(100) * 60_000L;
                default -> Math.floorMod(r.nextLong(), 1_000_000_000_000L); // up to parse's 12 digits
            };
            Duration d = Duration.ofMillis(ms);
            assertEquals(d, Durations.parse(Durations.format(d)), "ms " + ms);
        }
        for (String s : new String[] {"999999999999ms", "9223372036s", "153722867m", "2562047h", "106751d"}) {
            Duration d = Durations.parse(s);
            assertEquals(d, Durations.parse(Durations.format(d)), s);
        }
    }
}
