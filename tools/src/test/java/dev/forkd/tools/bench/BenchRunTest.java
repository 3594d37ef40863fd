package dev.forkd.tools.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.forkd.tools.client.ServerAddress;
import dev.forkd.it.FramedServer;
import dev.forkd.shared.framing.Framing;
import java.net.ServerSocket;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The bench's framed paths, in process, against an in-test server that speaks the shared codecs. */
class BenchRunTest {

    private static BenchPlan plan(int port, int connections, Duration duration, int size, Framing framing, long rate,
            Duration timeout, Expect expect) {
        return plan(port, connections, duration, size, framing, rate, timeout, expect, 1);
    }

    private static BenchPlan plan(int port, int connections, Duration duration, int size, Framing framing, long rate,
            Duration timeout, Expect expect, int pipeline) {
        return new BenchPlan(ServerAddress.parse("127.0.0.1:" + port), connections, duration, Duration.ZERO, size, framing,
                rate, timeout, expect, pipeline);
    }

    @ParameterizedTest
    @EnumSource(value = Expect.class, names = {"SHA256", "JSON"})
    void aPipelineOfComputeRepliesAgainstThePlainServer(Expect expect) throws Exception {
        try (PlainComputeServer server = PlainComputeServer.start(0, dev.forkd.shared.compute.ComputeWork.Kind.valueOf(expect.name()))) {
            BenchResult r = run(plan(server.port(), 1, Duration.ofMillis(700), 2048, Framing.LENGTH, 0, Duration.ofSeconds(5), expect, 16));
            assertTrue(r.messages() >= 16, "messages: " + r.messages());
            assertEquals(0, r.messages() % 16, "whole pipelines: " + r.messages());
            assertEquals(0, r.totalErrors(), r.errors().toString());
            // the other one's replies are wrong: the check is real
            Expect other = expect == Expect.SHA256 ? Expect.ECHO : Expect.UPPER;
            BenchResult wrong = run(plan(server.port(), 1, Duration.ofMillis(300), 2048, Framing.LENGTH, 0, Duration.ofSeconds(5), other, 4));
            assertEquals(0, wrong.messages());
        }
    }

    private static BenchResult run(BenchPlan plan) throws Exception {
        long start = System.nanoTime();
        BenchResult r = new BenchRun(plan).run();
        long took = System.nanoTime() - start;
        // stops by itself: the duration, plus connecting and a bounded stop
        assertTrue(took < plan.duration().plus(plan.timeout()).plusSeconds(3).toNanos(), "took " + took / 1_000_000 + " ms");
        return r;
    }

    @ParameterizedTest
    @EnumSource(Framing.class)
    void closedLoopInEveryFraming(Framing framing) throws Exception {
        try (FramedServer server = FramedServer.start(framing, 48, FramedServer.Reply.UPPER, -1)) {
            BenchResult r = run(plan(server.port(), 3, Duration.ofMillis(700), 48, framing, 0, Duration.ofSeconds(5), Expect.UPPER));
            assertTrue(r.messages() > 0, "messages");
            assertEquals(0, r.totalErrors(), r.errors().toString());
            assertEquals(3, r.connected());
            assertEquals(3, r.answered());
            assertNotNull(r.latency());
            assertTrue(r.latency().p50() > 0 && r.latency().p50() <= r.latency().max());
            assertTrue(server.frames() >= r.messages(), "every message recorded reached the server");
        }
    }

    @Test
    void openLoopSendsAtTheRateAndNoFaster() throws Exception {
        try (FramedServer server = FramedServer.start(Framing.LENGTH)) {
            BenchResult r = run(plan(server.port(), 4, Duration.ofSeconds(2), 64, Framing.LENGTH, 100, Duration.ofSeconds(5), Expect.UPPER));
            // 100/s for 2 s: message j is due at j * 10 ms, so exactly 200 are due within the run
            assertTrue(r.messages() <= 200, "at most the scheduled messages: " + r.messages());
            assertTrue(r.messages() >= 100, "most of them on an idle server: " + r.messages());
            assertTrue(server.frames() <= 200, "the server saw no more: " + server.frames());
            assertEquals(0, r.totalErrors(), r.errors().toString());
        }
    }

    @Test
    void wrongRepliesAreCountedNotMeasured() throws Exception {
        try (FramedServer server = FramedServer.start(Framing.LINE, 0, FramedServer.Reply.ECHO, -1)) {
            BenchResult r = run(plan(server.port(), 2, Duration.ofMillis(500), 16, Framing.LINE, 0, Duration.ofSeconds(5), Expect.UPPER));
            assertEquals(0, r.messages());
            assertNull(r.latency());
            assertTrue(r.errors().get(BenchError.WRONG_REPLY) > 0, r.errors().toString());

            BenchResult echo = run(plan(server.port(), 2, Duration.ofMillis(500), 16, Framing.LINE, 0, Duration.ofSeconds(5), Expect.ECHO));
            assertTrue(echo.messages() > 0);
            assertEquals(0, echo.totalErrors(), echo.errors().toString());
        }
    }

    @Test
    void errorRepliesAreWrongEvenWhenAnyReplyWillDo() throws Exception {
        try (FramedServer server = FramedServer.start(Framing.LENGTH, 0, FramedServer.Reply.ERROR, -1)) {
            // 1 s, not less: the first error frame is classified on a cold JVM (Jackson), and a reply classified after the stop is not counted
            BenchResult r = run(plan(server.port(), 1, Duration.ofSeconds(1), 16, Framing.LENGTH, 0, Duration.ofSeconds(5), Expect.ANY));
            assertEquals(0, r.messages());
            assertTrue(r.errors().get(BenchError.WRONG_REPLY) > 0, r.errors().toString());
        }
    }

    @Test
    void aServerThatClosesIsCountedAndReconnectedTo() throws Exception {
        try (FramedServer server = FramedServer.start(Framing.LENGTH, 0, FramedServer.Reply.UPPER, 5)) {
            BenchResult r = run(plan(server.port(), 2, Duration.ofSeconds(1), 16, Framing.LENGTH, 0, Duration.ofSeconds(5), Expect.UPPER));
            assertTrue(r.errors().get(BenchError.CLOSED) >= 2, r.errors().toString());
            // each connection gets 5 replies per TCP connection, then reconnects after a pause
            assertTrue(r.messages() > 10, "kept going on new connections: " + r.messages());
        }
    }

    @Test
    void aServerThatNeverAnswersIsReportedAsCapacityNotAsTimeouts() throws Exception {
        // what a prefork forkd does with connections beyond its workers: accepts them, and lets them wait
        try (FramedServer server = FramedServer.start(Framing.LENGTH, 0, FramedServer.Reply.NONE, -1)) {
            BenchResult r = run(plan(server.port(), 2, Duration.ofSeconds(1), 16, Framing.LENGTH, 0, Duration.ofMillis(200), Expect.UPPER));
            assertEquals(0, r.messages());
            assertEquals(0, r.answered());
            assertEquals(0, r.totalErrors(), "a queue is not a network error: " + r.errors());
            assertEquals(2, r.capacity().unanswered(), r.capacity().toString());
            assertTrue(r.capacity().firstReplyTimeouts() >= 2, r.capacity().toString());
            assertEquals(0, r.capacity().measured());
            assertTrue(r.capacity().limited());
        }
    }

    @Test
    void aServerThatStopsAnsweringTimesOut() throws Exception {
        try (FramedServer server = FramedServer.start(Framing.LENGTH, 0, FramedServer.Reply.UPPER_ONCE, -1)) {
            BenchResult r = run(plan(server.port(), 2, Duration.ofSeconds(1), 16, Framing.LENGTH, 0, Duration.ofMillis(200), Expect.UPPER));
            assertTrue(r.messages() >= 2, "the first reply of each socket: " + r.messages());
            assertEquals(2, r.answered());
            assertTrue(r.errors().get(BenchError.TIMEOUT) >= 2, r.errors().toString());
            assertEquals(0, r.capacity().unanswered(), "every socket was answered once: " + r.capacity());
            assertEquals(0, r.capacity().firstReplyTimeouts());
        }
    }

    @Test
    void connectionsBeyondWhatTheServerServesAtOnceAreCapacityNotErrors() throws Exception {
        // an in-test prefork: one connection served at a time, the rest accepted and kept waiting
        try (FramedServer server = FramedServer.start(Framing.RAW, 0, FramedServer.Reply.UPPER, -1, 1)) {
            BenchResult r = run(plan(server.port(), 3, Duration.ofSeconds(1), 16, Framing.RAW, 0, Duration.ofMillis(300), Expect.UPPER));
            assertTrue(r.messages() > 0);
            assertEquals(1, r.answered(), "one served at a time, and it never lets go");
            assertEquals(0, r.totalErrors(), r.errors().toString());
            assertEquals(2, r.capacity().unanswered(), r.capacity().toString());
            assertEquals(1, r.capacity().measured());
            assertTrue(r.capacity().firstReplyMax() < BenchCapacity.WAIT_FLOOR_NANOS, "the served one did not wait: " + r.capacity());
        }
    }

    @Test
    void noConnectionAtAllIsAnError() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        BenchRun.NoConnectionException e = assertThrows(BenchRun.NoConnectionException.class,
                () -> new BenchRun(plan(port, 3, Duration.ofSeconds(30), 16, Framing.LENGTH, 0, Duration.ofSeconds(5), Expect.UPPER)).run());
        assertEquals("no connection could be made: connection to 127.0.0.1:" + port + " refused", e.getMessage());
    }

    @Test
    void payloadIsLowercaseLettersAndFramedOnce() {
        byte[] p = BenchConnection.payload(100, 7);
        for (byte b : p) {
            assertTrue(b >= 'a' && b <= 'z');
        }
        assertEquals(104, BenchConnection.encode(Framing.LENGTH, p).length);
        assertEquals(101, BenchConnection.encode(Framing.LINE, p).length);
        assertEquals(100, BenchConnection.encode(Framing.FIXED, p).length);
        assertEquals(100, BenchConnection.encode(Framing.RAW, p).length);
        byte[] json = BenchConnection.payload(Framing.JSON, Expect.UPPER, 100, 7);
        assertEquals('"', json[0]);
        assertEquals('"', json[99]);
        assertEquals(new String(p, 1, 98), new String(json, 1, 98));
        assertEquals(101, BenchConnection.encode(Framing.JSON, json).length, "NDJSON: the value and a newline");
    }
}
