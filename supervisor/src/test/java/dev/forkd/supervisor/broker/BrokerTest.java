package dev.forkd.supervisor.broker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.forkd.shared.pubsub.BrokerFrame;
import dev.forkd.shared.pubsub.BrokerOp;
import dev.forkd.shared.pubsub.EventKind;
import dev.forkd.shared.pubsub.LeaveReason;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class BrokerTest {
    private final BrokerSettings settings = new BrokerSettings(3, 1 << 20, 64 * 1024, 100, 100);
    private final Broker broker = new Broker(settings, () -> 1_000L);

    private BrokerLink link() {
        return link(settings.linkQueueBytes());
    }

    private static BrokerLink link(long queue) {
        BrokerLink l = new BrokerLink(null, queue);
        l.state = BrokerLink.State.LIVE;
        return l;
    }

    private static byte[] text(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static List<BrokerFrame> events(BrokerLink l) {
        return l.takeSent().stream().filter(f -> f.op() == BrokerOp.EVENT).collect(Collectors.toList());
    }

    @Test
    void eventsOnATopicAreNumberedInOrderAndQueuedOncePerLink() {
        BrokerLink a = link();
        BrokerLink b = link();
        broker.onFrame(a, BrokerFrame.sub(1, "room", "ada", 0));
        broker.onFrame(a, BrokerFrame.sub(2, "room", "", 0)); // a second subscription of the same link
        broker.onFrame(b, BrokerFrame.sub(1, "room", "bob", 0));
        a.takeSent();
        b.takeSent();
        for (int i = 0; i < 5; i++) {
            broker.onFrame(i % 2 == 0 ? a : b, BrokerFrame.pub("room", 1, text("m" + i)));
        }
        List<BrokerFrame> seenByA = events(a);
        List<BrokerFrame> seenByB = events(b);
        assertEquals(5, seenByA.size(), "one EVENT per message per link, however many subscriptions it has");
        assertEquals(seenByA.stream().map(BrokerFrame::seq).collect(Collectors.toList()),
                seenByB.stream().map(BrokerFrame::seq).collect(Collectors.toList()));
        for (int i = 0; i < 5; i++) {
            assertEquals(3 + i, seenByA.get(i).seq(), "the two joins took 1..2 (an anonymous subscription takes none); messages follow without gaps");
            assertEquals("m" + i, new String(seenByA.get(i).payload(), StandardCharsets.UTF_8));
            assertEquals(i % 2 == 0 ? "ada" : "bob", seenByA.get(i).member());
        }
    }

    @Test
    void aTakenNameIsRefusedAndTheRoomUnchanged() {
        BrokerLink a = link();
        BrokerLink b = link();
        broker.onFrame(a, BrokerFrame.sub(1, "room", "ada", 0));
        a.takeSent();
        broker.onFrame(b, BrokerFrame.sub(7, "room", "ada", 0));
        List<BrokerFrame> toB = b.takeSent();
        assertEquals(1, toB.size());
        assertEquals(BrokerOp.REFUSE, toB.get(0).op());
        assertEquals("name taken", toB.get(0).member());
        assertTrue(a.takeSent().isEmpty(), "nobody hears of a refused join");
        broker.onFrame(b, BrokerFrame.sub(8, "room", "bob", 0));
        BrokerFrame grant = b.takeSent().stream().filter(f -> f.op() == BrokerOp.GRANT).findFirst().orElseThrow();
        assertEquals(List.of("ada", "bob"), grant.members());
    }

    @Test
    void theLastMessagesAreReplayedBeforeTheGrant() {
        BrokerLink a = link();
        broker.onFrame(a, BrokerFrame.sub(1, "room", "ada", 0));
        for (int i = 0; i < 5; i++) {
            broker.onFrame(a, BrokerFrame.pub("room", 1, text("m" + i)));
        }
        BrokerLink b = link();
        broker.onFrame(b, BrokerFrame.sub(1, "room", "bob", 100));
        List<BrokerFrame> toB = b.takeSent();
        assertEquals(List.of(BrokerOp.REPLAY, BrokerOp.REPLAY, BrokerOp.REPLAY, BrokerOp.GRANT, BrokerOp.EVENT),
                toB.stream().map(BrokerFrame::op).collect(Collectors.toList()), "history bounded by 3, then the grant, then bob's own join");
        assertEquals("m2", new String(toB.get(0).payload(), StandardCharsets.UTF_8));
        assertEquals(toB.get(2).seq(), toB.get(3).seq(), "the grant names the last number before the joiner's");
        assertEquals(toB.get(3).seq() + 1, toB.get(4).seq());
    }

    @Test
    void aLinkThatEndsTakesItsMembersWithTheReason() {
        BrokerLink a = link();
        BrokerLink b = link();
        broker.onFrame(a, BrokerFrame.sub(1, "room", "ada", 0));
        broker.onFrame(a, BrokerFrame.sub(2, "room", "eve", 0));
        broker.onFrame(b, BrokerFrame.sub(1, "room", "bob", 0));
        b.takeSent();
        broker.linkEnded(a, LeaveReason.CRASHED);
        List<BrokerFrame> toB = events(b);
        assertEquals(2, toB.size());
        for (BrokerFrame f : toB) {
            assertEquals(EventKind.LEFT, f.kind());
            assertEquals(LeaveReason.CRASHED, f.reason());
        }
        assertEquals(List.of("ada", "eve"), toB.stream().map(BrokerFrame::member).sorted().collect(Collectors.toList()));
        broker.onFrame(b, BrokerFrame.sub(2, "room", "ada", 0));
        assertTrue(b.takeSent().stream().anyMatch(f -> f.op() == BrokerOp.GRANT), "a crashed member's name is free again");
    }

    @Test
    void aLinkThatSaidGoodbyeLeavesAsClosedNotCrashed() {
        BrokerLink a = link();
        BrokerLink b = link();
        broker.onFrame(a, BrokerFrame.sub(1, "room", "ada", 0));
        broker.onFrame(b, BrokerFrame.sub(1, "room", "bob", 0));
        b.takeSent();
        broker.onFrame(a, BrokerFrame.bye());
        broker.linkEnded(a, LeaveReason.CRASHED);
        assertEquals(LeaveReason.CLOSED, events(b).get(0).reason());
    }

    @Test
    void aLinkPastItsQueueBoundIsDroppedAsSlowAndTheOthersCarryOn() {
        BrokerLink fast = link();
        BrokerLink stuck = link(4096);
        broker.onFrame(fast, BrokerFrame.sub(1, "room", "ada", 0));
        broker.onFrame(stuck, BrokerFrame.sub(1, "room", "zed", 0));
        fast.takeSent();
        byte[] kb = new byte[1000];
        for (int i = 0; i < 10; i++) {
            broker.onFrame(fast, BrokerFrame.pub("room", 1, kb));
            fast.takeSent(); // the fast one writes everything at once
        }
        assertEquals(BrokerLink.State.ENDED, stuck.state);
        assertEquals(1, broker.linksDroppedSlow);
        assertTrue(stuck.queuedBytes() <= 4096, "the bound held: " + stuck.queuedBytes());
        broker.onFrame(fast, BrokerFrame.pub("room", 1, text("still here")));
        List<BrokerFrame> toFast = events(fast);
        assertEquals(1, toFast.size());
    }

    @Test
    void theSlowLinksMembersLeaveAsSlow() {
        BrokerLink fast = link();
        BrokerLink stuck = link(2048);
        broker.onFrame(fast, BrokerFrame.sub(1, "room", "ada", 0));
        broker.onFrame(stuck, BrokerFrame.sub(1, "room", "zed", 0));
        fast.takeSent();
        List<BrokerFrame> seen = new java.util.ArrayList<>();
        for (int i = 0; i < 5 && stuck.state != BrokerLink.State.ENDED; i++) {
            broker.onFrame(fast, BrokerFrame.pub("room", 1, new byte[1000]));
            seen.addAll(events(fast));
        }
        BrokerFrame last = seen.get(seen.size() - 1);
        assertEquals(EventKind.LEFT, last.kind());
        assertEquals("zed", last.member());
        assertEquals(LeaveReason.SLOW, last.reason());
        for (int i = 1; i < seen.size(); i++) {
            assertEquals(seen.get(i - 1).seq() + 1, seen.get(i).seq(), "no gap for the ones still connected");
        }
    }

    @Test
    void anOversizedMessageOrAReusedIdIsAProtocolViolation() {
        BrokerLink a = link();
        broker.onFrame(a, BrokerFrame.sub(1, "room", "ada", 0));
        assertThrows(IllegalArgumentException.class, () -> broker.onFrame(a, BrokerFrame.pub("room", 1, new byte[BrokerFrame.MAX_PAYLOAD + 1])));
        assertThrows(IllegalArgumentException.class, () -> broker.onFrame(a, BrokerFrame.sub(1, "other", "", 0)));
        assertThrows(IllegalArgumentException.class, () -> broker.onFrame(a, BrokerFrame.sub(2, "bad\nname", "", 0)));
    }

    @Test
    void historyIsBoundedInBytesOverAllTopicsAndFreedWithTheTopic() {
        Broker small = new Broker(new BrokerSettings(20, 5000, 1 << 20, 100, 100), () -> 0L);
        BrokerLink a = link();
        small.onFrame(a, BrokerFrame.sub(1, "t1", "", 0));
        small.onFrame(a, BrokerFrame.sub(2, "t2", "", 0));
        for (int i = 0; i < 10; i++) {
            small.onFrame(a, BrokerFrame.pub("t1", 0, new byte[1000]));
            small.onFrame(a, BrokerFrame.pub("t2", 0, new byte[1000]));
        }
        assertTrue(small.historyBytes() <= 5000, "kept " + small.historyBytes());
        small.onFrame(a, BrokerFrame.unsub(1, LeaveReason.LEAVE));
        small.onFrame(a, BrokerFrame.unsub(2, LeaveReason.LEAVE));
        assertEquals(0, small.topicCount());
        assertEquals(0, small.historyBytes());
    }

    @Test
    void publishingToATopicNobodyHearsKeepsNothing() {
        BrokerLink a = link();
        broker.onFrame(a, BrokerFrame.pub("nobody", 0, text("hello?")));
        assertEquals(0, broker.topicCount());
        assertTrue(a.takeSent().isEmpty());
    }

    @Test
    void framesSurviveTheirEncoding() {
        for (BrokerFrame f : List.of(BrokerFrame.hello(3, 12345), BrokerFrame.sub(9, "t", "ada", 20), BrokerFrame.unsub(9, LeaveReason.SLOW),
                BrokerFrame.pub("t", 9, text("x")), BrokerFrame.bye(), BrokerFrame.grant(9, 4, List.of("a", "b")), BrokerFrame.refuse(9, "name taken"),
                BrokerFrame.replay(9, 3, 77, "ada", text("old")), BrokerFrame.event("t", EventKind.LEFT, 5, 88, "bob", LeaveReason.CRASHED, new byte[0]))) {
            BrokerFrame back = BrokerFrame.next(f.encode());
            assertEquals(f.op(), back.op());
            assertEquals(f.sub(), back.sub());
            assertEquals(f.seq(), back.seq());
            assertEquals(f.members(), back.members());
            assertEquals(new String(f.payload(), StandardCharsets.UTF_8), new String(back.payload(), StandardCharsets.UTF_8));
        }
    }
}
