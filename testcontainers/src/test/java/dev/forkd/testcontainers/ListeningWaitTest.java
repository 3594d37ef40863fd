package dev.forkd.testcontainers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ListeningWaitTest {
    @Test
    void theSupervisorsLineAsTextOrJsonMeansReady() {
        assertTrue(ListeningWait.listening("2026-11-30 03:34:25.235 INFO  worker 2 (pid 33) ready in 533 ms\n"
                + "2026-11-30 03:34:25.353 INFO  listening on 127.0.0.1:45959 (model prefork, 2 worker(s), handler upper)\n"));
        assertTrue(ListeningWait.listening("{\"level\":\"INFO\",\"message\":\"listening on [::]:8888 (model prefork, 2 worker(s), handler upper)\"}\n"));
    }

    @Test
    void aWorkersOrAnEarlierLineIsNotTheSign() {
        assertFalse(ListeningWait.listening("2026-11-30 INFO  [worker 1 pid 31] my handler is listening on 0.0.0.0:9\n"));
        assertFalse(ListeningWait.listening("2026-11-30 INFO  forkd 0.1.0 starting 2 worker(s)\n"));
        assertFalse(ListeningWait.listening(""));
    }

    @Test
    void aLongLogIsCutToItsEnd() {
        String log = "x".repeat(10_000) + "the end";
        String tail = ListeningWait.tail(log);
        assertTrue(tail.endsWith("the end") && tail.startsWith("..."), tail.substring(0, 10));
        assertEquals(4003, tail.length());
        assertEquals("short", ListeningWait.tail("short"));
    }
}
