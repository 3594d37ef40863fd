package dev.forkd.tools.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class OpenLoopScheduleTest {
    private static final long MS = 1_000_000L;
    private static final long S = 1_000_000_000L;

    @Test
    void spacesMessagesEvenly() {
        assertEquals(0, OpenLoopSchedule.offsetNanos(0, 4));
        assertEquals(250 * MS, OpenLoopSchedule.offsetNanos(1, 4));
        assertEquals(750 * MS, OpenLoopSchedule.offsetNanos(3, 4));
        assertEquals(S, OpenLoopSchedule.offsetNanos(4, 4));
        assertEquals(10 * S + 500 * MS, OpenLoopSchedule.offsetNanos(42, 4));
    }

    @Test
    void dealsMessagesRoundRobinToTheConnections() {
        long start = 1_000_000;
        OpenLoopSchedule s = new OpenLoopSchedule(start, 100, 4);
        // 100/s in total: one message every 10 ms, connection c sends messages c, c+4, c+8, ...
        assertEquals(start, s.intendedNanos(0, 0));
        assertEquals(start + 10 * MS, s.intendedNanos(1, 0));
        assertEquals(start + 30 * MS, s.intendedNanos(3, 0));
        assertEquals(start + 40 * MS, s.intendedNanos(0, 1));
        assertEquals(start + 70 * MS, s.intendedNanos(3, 1));
        // each connection alone sends at rate / connections
        assertEquals(40 * MS, s.intendedNanos(2, 6) - s.intendedNanos(2, 5));
    }

    @Test
    void fewerMessagesThanConnections() {
        // 2/s over 5 connections: each connection sends every 2.5 s
        OpenLoopSchedule s = new OpenLoopSchedule(0, 2, 5);
        assertEquals(500 * MS, s.intendedNanos(1, 0));
        assertEquals(2500 * MS, s.intendedNanos(0, 1));
    }

    @Test
    void doesNotDriftWhenTheIntervalIsNotWholeNanoseconds() {
        // 1 s / 7 is 142857142.857... ns: summing a rounded interval would be off by 3600 * 7 * 0.857 ns after an hour
        assertEquals(3600 * S, OpenLoopSchedule.offsetNanos(3600L * 7, 7));
        long previous = -1;
        for (long i = 0; i < 100; i++) {
            long o = OpenLoopSchedule.offsetNanos(i, 7);
            assertTrue(o > previous, "strictly increasing");
            assertTrue(Math.abs(o - Math.round(i * (double) S / 7)) <= 1, "within a nanosecond of exact");
            previous = o;
        }
    }

    @Test
    void longRunsAtHighRatesDoNotOverflow() {
        // a day at a million messages a second: index * 1e9 alone would overflow a long
        long index = 86_400L * 1_000_000;
        assertEquals(86_400 * S, OpenLoopSchedule.offsetNanos(index, 1_000_000));
        assertEquals(86_400 * S + S / 2, OpenLoopSchedule.offsetNanos(index + 500_000, 1_000_000));
    }

    @Test
    void rejectsNonsense() {
        assertThrows(IllegalArgumentException.class, () -> new OpenLoopSchedule(0, 0, 1));
        assertThrows(IllegalArgumentException.class, () -> new OpenLoopSchedule(0, 1, 0));
    }
}
