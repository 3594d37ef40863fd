package dev.forkd.it;

import static dev.forkd.it.ChatClient.msg;
import static dev.forkd.it.ChatClient.type;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code --handler chat} with real processes: members in different workers share one room through
 * the supervisor's broker. Line framing, one JSON object per line. Every wait is for a condition
 * with a deadline; the talkers' pacing is load, not synchronisation.
 */
class ChatIT {
    /** Generous for a shared 2-core machine; a healthy run takes a fraction of it. */
    private static final Duration LONG = Duration.ofSeconds(90);
    private static final Pattern SERVED_BY = Pattern.compile("connection \\d+ from 127\\.0\\.0\\.1:(\\d+) -> worker (\\d+)");

    private static ForkdProcess chat(String test, String... extra) throws Exception {
        return chatFramed("line", test, extra);
    }

    private static ForkdProcess chatFramed(String framing, String test, String... extra) throws Exception {
        List<String> args = new ArrayList<>(List.of("--handler", "chat", "--framing", framing, "--log-level", "DEBUG"));
        args.addAll(List.of(extra));
        return ForkdProcess.serve(test, args.toArray(new String[0]));
    }

    private static boolean said(JsonNode m) {
        return type(m, "said") && !m.path("replay").asBoolean(false);
    }

    /**
     * From its own {@code joined} on, a member sees the room's events (said, joined, left) with
     * consecutive sequence numbers: none missing, none twice, none out of order.
     */
    private static void assertGapFree(ChatClient c) {
        long expected = -1;
        for (JsonNode m : c.messages()) {
            if (!m.has("seq") || m.path("replay").asBoolean(false)) {
                continue;
            }
            long seq = m.get("seq").asLong();
            if (expected < 0) {
                assertTrue(type(m, "joined") && c.name.equals(m.path("name").asText()), c.name + "'s first event is its own joined: " + m);
            } else {
                assertEquals(expected, seq, c.name + ": the event after seq " + (expected - 1) + " is " + m);
            }
            expected = seq + 1;
        }
    }

    /** Client port → worker id, from the supervisor's DEBUG lines. */
    private static int workerOf(ForkdProcess forkd, ChatClient c) throws InterruptedException {
        Matcher m = forkd.awaitLine("connection \\d+ from 127\\.0\\.0\\.1:" + c.socket.getLocalPort() + " -> worker (\\d+)", LONG);
        return Integer.parseInt(m.group(1));
    }

    @ParameterizedTest
    @ValueSource(strings = {"line", "json"})
    void fiftyMembersOverFourWorkersGetEveryMessageOnceAndInOrder(String framing) throws Exception {
        try (ForkdProcess forkd = chatFramed(framing, "chat-fifty-" + framing, "--model", "threaded", "--workers", "4")) {
            assertEveryMessageOnceAndInOrder(forkd, 50, 10, 4);
        }
    }

    @Test
    void inEventedTwentyMembersOverTwoEventLoopsGetEveryMessageOnceAndInOrder() throws Exception {
        try (ForkdProcess forkd = chat("chat-evented-twenty", "--model", "evented", "--workers", "2")) {
            assertEveryMessageOnceAndInOrder(forkd, 20, 10, 2);
            assertEquals(0, forkd.countLines("publish/subscribe is not available|event loop blocked"), "no handler failed or blocked the loop");
        }
    }

    /** {@code members} join one room, each says {@code each} messages; every member gets every message once, in order. */
    private static void assertEveryMessageOnceAndInOrder(ForkdProcess forkd, int members, int each, int workerCount) throws Exception {
        int port = forkd.port();
        List<ChatClient> clients = new ArrayList<>();
        try {
            for (int i = 0; i < members; i++) {
                ChatClient c = new ChatClient(port, String.format("m%02d", i));
                clients.add(c);
                c.joinAndWait("lobby", LONG);
            }
            Set<Integer> workers = new HashSet<>();
            for (ChatClient c : clients) {
                workers.add(workerOf(forkd, c));
            }
            assertEquals(workerCount, workers.size(), "the members are spread over every worker");
            for (int k = 0; k < each; k++) {
                for (ChatClient c : clients) {
                    c.say(c.name + "#" + k);
                }
            }
            Map<String, Long> seqOfText = new HashMap<>();
            for (ChatClient c : clients) {
                c.awaitCount(ChatIT::said, (long) members * each, LONG, "messages");
            }
            for (ChatClient c : clients) {
                Map<String, Integer> lastK = new HashMap<>();
                Set<String> seen = new HashSet<>();
                for (JsonNode m : c.messages()) {
                    if (!said(m)) {
                        continue;
                    }
                    String text = m.get("text").asText();
                    assertTrue(seen.add(text), c.name + " got " + text + " twice");
                    String from = m.get("from").asText();
                    assertTrue(text.startsWith(from + "#"), "from names the sender: " + m);
                    int k = Integer.parseInt(text.substring(text.indexOf('#') + 1));
                    assertTrue(k > lastK.getOrDefault(from, -1), c.name + " got " + from + "'s messages out of order: " + text);
                    lastK.put(from, k);
                    Long before = seqOfText.putIfAbsent(text, m.get("seq").asLong());
                    assertTrue(before == null || before == m.get("seq").asLong(), "every member sees one number per message: " + text);
                    assertTrue(m.get("ts").asLong() > 0, "a timestamp: " + m);
                }
                assertEquals(members * each, seen.size(), c.name + " got every message of every member once");
                assertGapFree(c);
            }
        } finally {
            for (ChatClient c : clients) {
                c.close();
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"threaded", "evented"})
    void aWorkerKilledMidConversationTakesOnlyItsMembersAndTheRoomCarriesOn(String model) throws Exception {
        // the talkers send each member ~600 deliveries a second: on a busy machine a stall of half a second would fill the
        // default outbox of 256 and drop a survivor as slow (chat-slow-* tests that); this test is about the crash alone
        try (ForkdProcess forkd = chat("chat-kill-" + model, "--model", model, "--workers", "3", "--chat-outbox", "8192")) {
            int port = forkd.port();
            List<ChatClient> clients = new ArrayList<>();
            AtomicBoolean talking = new AtomicBoolean(true);
            Thread talkers = null;
            try {
                for (int i = 0; i < 12; i++) {
                    ChatClient c = new ChatClient(port, "k" + i);
                    clients.add(c);
                    c.joinAndWait("r", LONG);
                }
                int doomed = workerOf(forkd, clients.get(0));
                List<ChatClient> victims = new ArrayList<>();
                List<ChatClient> survivors = new ArrayList<>();
                for (ChatClient c : clients) {
                    (workerOf(forkd, c) == doomed ? victims : survivors).add(c);
                }
                assertFalse(survivors.isEmpty(), "some members live in other workers");
                talkers = new Thread(() -> {
                    for (int i = 0; talking.get(); i++) {
                        for (ChatClient c : clients) {
                            try {
                                if (!c.ended()) {
                                    c.say(c.name + " says " + i);
                                }
                            } catch (java.io.IOException e) {
                                // a victim's connection closing under it: expected
                            }
                        }
                        try {
                            Thread.sleep(20);
                        } catch (InterruptedException e) {
                            return;
                        }
                    }
                }, "talkers");
                talkers.start();
                for (ChatClient s : survivors) {
                    s.awaitCount(ChatIT::said, 3L * clients.size(), LONG, "messages before the kill");
                }
                long pid = forkd.readyWorkers().get(doomed);
                ProcessHandle.of(pid).orElseThrow().destroyForcibly();
                for (ChatClient v : victims) {
                    v.awaitEnd(LONG);
                }
                for (ChatClient s : survivors) {
                    for (ChatClient v : victims) {
                        s.await(m -> type(m, "left") && v.name.equals(m.path("name").asText()), LONG, v.name + " left");
                    }
                }
                talking.set(false);
                talkers.join(10_000);
                for (ChatClient s : survivors) {
                    s.say("after from " + s.name);
                }
                for (ChatClient s : survivors) {
                    for (ChatClient o : survivors) {
                        s.await(m -> said(m) && ("after from " + o.name).equals(m.path("text").asText()), LONG, o.name + "'s message after the crash");
                    }
                    for (ChatClient v : victims) {
                        long lefts = s.count(m -> type(m, "left") && v.name.equals(m.path("name").asText()));
                        assertEquals(1, lefts, s.name + " is told once that " + v.name + " left");
                        JsonNode left = s.await(m -> type(m, "left") && v.name.equals(m.path("name").asText()), LONG, "left");
                        assertEquals("crashed", left.path("reason").asText(), "why " + v.name + " left: " + left);
                    }
                    assertGapFree(s);
                }
                ChatClient again = new ChatClient(port, victims.get(0).name);
                clients.add(again);
                again.joinAndWait("r", LONG); // a crashed member's name is free again
            } finally {
                talking.set(false);
                if (talkers != null) {
                    talkers.join(10_000);
                }
                for (ChatClient c : clients) {
                    c.close();
                }
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"threaded", "evented"})
    void aMemberThatStopsReadingIsDroppedAsSlowAndTheOthersAreNotDelayed(String model) throws Exception {
        try (ForkdProcess forkd = chat("chat-slow-" + model, "--model", model, "--workers", "2", "--chat-outbox", "128")) {
            int port = forkd.port();
            List<ChatClient> readers = new ArrayList<>();
            ChatClient sloth = new ChatClient(port, "sloth", false);
            Map<String, Long> sentAt = new ConcurrentHashMap<>();
            String padding = "x".repeat(500);
            try {
                for (int i = 0; i < 5; i++) {
                    ChatClient c = new ChatClient(port, "r" + i);
                    readers.add(c);
                    c.joinAndWait("r", LONG);
                }
                sloth.join("r");
                readers.get(0).await(m -> type(m, "joined") && "sloth".equals(m.path("name").asText()), LONG, "sloth joined");
                long deadline = System.nanoTime() + LONG.toNanos();
                int sent = 0;
                while (readers.stream().anyMatch(r -> r.count(m -> type(m, "left") && "sloth".equals(m.path("name").asText())) == 0)) {
                    assertTrue(System.nanoTime() < deadline, "sloth was not dropped within " + LONG + " (" + sent + " messages sent)");
                    ChatClient from = readers.get(sent % readers.size());
                    String id = from.name + "-" + sent;
                    sentAt.put(id, System.nanoTime());
                    from.say(id + " " + padding);
                    sent++;
                    // load at a steady pace (about 200 messages/s), not a wait for anything: the readers may stall for
                    // seconds on a loaded machine without passing the outbox bound, the sloth passes it in a few
                    Thread.sleep(5);
                }
                for (int i = 0; i < 10; i++, sent++) {
                    ChatClient from = readers.get(sent % readers.size());
                    String id = from.name + "-" + sent;
                    sentAt.put(id, System.nanoTime());
                    from.say(id + " " + padding);
                }
                long maxLatencyNanos = 0;
                for (ChatClient r : readers) {
                    r.awaitCount(ChatIT::said, sent, LONG, "messages");
                    JsonNode left = r.await(m -> type(m, "left") && "sloth".equals(m.path("name").asText()), LONG, "sloth left");
                    assertEquals("slow", left.path("reason").asText(), left.toString());
                    for (ChatClient.Received got : r.received()) {
                        if (said(got.message())) {
                            String id = got.message().get("text").asText().split(" ")[0];
                            maxLatencyNanos = Math.max(maxLatencyNanos, got.nanos() - sentAt.get(id));
                        }
                    }
                    assertGapFree(r);
                }
                // generous: on a shared machine a healthy run stays far below; a room stalled by the slow reader would not
                assertTrue(maxLatencyNanos < TimeUnit.SECONDS.toNanos(10), "max latency " + TimeUnit.NANOSECONDS.toMillis(maxLatencyNanos) + " ms");
                forkd.awaitLine("dropping it as slow", LONG);
                sloth.startReading();
                sloth.awaitEnd(LONG);
            } finally {
                sloth.close();
                for (ChatClient c : readers) {
                    c.close();
                }
            }
        }
    }

    @Test
    void namesRoomsAndBadInputGetClearErrors() throws Exception {
        try (ForkdProcess forkd = chat("chat-errors", "--model", "threaded", "--workers", "2")) {
            int port = forkd.port();
            try (ChatClient ada = new ChatClient(port, "ada"); ChatClient twin = new ChatClient(port, "ada");
                    ChatClient cy = new ChatClient(port, "cy"); ChatClient bad = new ChatClient(port, "bad")) {
                ada.joinAndWait("r", LONG);
                twin.join("r");
                assertTrue(error(twin, "name taken").contains("ada"));
                twin.joinAndWait("other", LONG); // the same name in another room is another member

                cy.say("hello?");
                error(cy, "join a room first");
                cy.send(msg("who"));
                cy.send(msg("join").put("room", "").put("name", "cy"));
                error(cy, "a room name is");
                cy.send(msg("join").put("room", "r\u0001").put("name", "cy"));
                cy.send(msg("join").put("room", "r"));
                error(cy, "join needs a \"name\"");
                cy.send(msg("dance"));
                error(cy, "unknown type \"dance\"");
                cy.send("[1, 2]");
                error(cy, "a request is a JSON object");
                cy.joinAndWait("r", LONG);
                cy.join("r");
                error(cy, "already in room r");
                cy.send(msg("who").put("room", "nowhere"));
                error(cy, "not in room nowhere");
                cy.send(msg("who"));
                JsonNode members = cy.await(m -> type(m, "members"), LONG, "members");
                assertEquals("[\"ada\",\"cy\"]", members.get("names").toString());

                for (int i = 0; i < 25; i++) {
                    ada.say("old " + i);
                }
                ada.awaitCount(ChatIT::said, 25, LONG, "its own messages");
                try (ChatClient late = new ChatClient(port, "late")) {
                    late.joinAndWait("r", LONG);
                    List<JsonNode> replayed = new ArrayList<>();
                    for (JsonNode m : late.messages()) {
                        if (type(m, "joined")) {
                            break;
                        }
                        replayed.add(m);
                    }
                    assertEquals(20, replayed.size(), "--chat-history 20: " + replayed);
                    for (int i = 0; i < 20; i++) {
                        assertEquals("old " + (i + 5), replayed.get(i).get("text").asText());
                        assertTrue(replayed.get(i).get("replay").asBoolean());
                    }
                }
                cy.send(msg("leave"));
                // by name: late's close may tell the room "late left (closed)" before or after cy's own leave
                JsonNode left = cy.await(m -> type(m, "left") && "cy".equals(m.path("name").asText()), LONG, "its own left");
                assertEquals("leave", left.get("reason").asText());
                ada.await(m -> type(m, "left") && "cy".equals(m.path("name").asText()) && "leave".equals(m.path("reason").asText()), LONG, "cy left");

                bad.send("{\"type\": \"join\", oops");
                error(bad, "invalid JSON");
                bad.awaitEnd(LONG);
            }
            forkd.awaitLine("bad input, closing: invalid JSON", LONG);
        }
    }

    @Test
    void inPreforkEachMemberHasAWorkerProcessOfItsOwn() throws Exception {
        try (ForkdProcess forkd = chat("chat-prefork", "--workers", "3")) {
            int port = forkd.port();
            try (ChatClient a = new ChatClient(port, "a"); ChatClient b = new ChatClient(port, "b"); ChatClient c = new ChatClient(port, "c")) {
                for (ChatClient x : List.of(a, b, c)) {
                    x.joinAndWait("p", LONG);
                }
                assertEquals(3, Set.of(workerOf(forkd, a), workerOf(forkd, b), workerOf(forkd, c)).size());
                for (ChatClient x : List.of(a, b, c)) {
                    x.say("hi from " + x.name);
                }
                for (ChatClient x : List.of(a, b, c)) {
                    x.awaitCount(ChatIT::said, 3, LONG, "messages");
                    assertGapFree(x);
                }
                ProcessHandle.of(forkd.readyWorkers().get(workerOf(forkd, c))).orElseThrow().destroyForcibly();
                c.awaitEnd(LONG);
                for (ChatClient x : List.of(a, b)) {
                    JsonNode left = x.await(m -> type(m, "left"), LONG, "c left");
                    assertEquals("c", left.get("name").asText());
                    assertEquals("crashed", left.get("reason").asText());
                }
                a.say("still here");
                b.await(m -> said(m) && "still here".equals(m.path("text").asText()), LONG, "a's message after the crash");
            }
        }
    }

    @Test
    void inJsonFramingRequestsNeedNoDelimiterAndMayShareASegment() throws Exception {
        try (ForkdProcess forkd = chatFramed("json", "chat-json", "--model", "threaded", "--workers", "2")) {
            int port = forkd.port();
            try (ChatClient ada = new ChatClient(port, "ada"); ChatClient bob = new ChatClient(port, "bob")) {
                ada.sendRaw("{\"type\": \"join\", \"room\": \"j\", \"name\": \"ada\"}");
                ada.await(m -> type(m, "joined"), LONG, "its joined");
                bob.joinAndWait("j", LONG);
                // two requests in one segment, no whitespace between them, and a ping as the tutorial sends it
                ada.sendRaw("{\"type\":\"say\",\"text\":\"one\"}{\"type\":\"ping\"}{\"type\":\"say\",\"text\":\"two\"}");
                bob.awaitCount(ChatIT::said, 2, LONG, "ada's two messages");
                ada.await(m -> type(m, "pong"), LONG, "a pong");
                // one request split over two writes
                bob.sendRaw("{\"type\":\"say\",");
                bob.sendRaw("\"text\":\"split\"}");
                ada.await(m -> said(m) && "split".equals(m.path("text").asText()), LONG, "bob's split message");
                assertGapFree(ada);
                assertGapFree(bob);
            }
        }
    }

    private static String error(ChatClient c, String containing) throws InterruptedException {
        return c.await(m -> type(m, "error") && m.path("message").asText().contains(containing), LONG, "an error saying " + containing)
                .path("message").asText();
    }
}
