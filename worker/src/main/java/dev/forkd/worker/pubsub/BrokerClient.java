package dev.forkd.worker.pubsub;

import dev.forkd.worker.common.WorkerLog;
import dev.forkd.api.Delivery;
import dev.forkd.api.Subscriber;
import dev.forkd.shared.PeerCredentials;
import dev.forkd.shared.pubsub.BrokerFrame;
import dev.forkd.shared.pubsub.LeaveReason;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArraySet;
import java.util.concurrent.atomic.AtomicLong;

/**
 * This worker's link to the supervisor's broker ({@code broker.sock} beside the control socket),
 * opened at the first publish or subscribe. Two threads: {@code broker-read} delivers what the broker
 * sends to the local subscriptions (one EVENT per topic fans out to all of them here), and
 * {@code broker-send} writes a bounded queue, so that publishing never blocks a handler. When the
 * link breaks, every subscription on it ends (ENDED); the next use links again.
 */
public final class BrokerClient {
    /** Frames waiting for the broker; past it, publishing fails rather than holding memory. */
    static final int SEND_QUEUE = 4096;

    private final Path socket;
    private final int workerId;
    private final long pid;
    private final AtomicLong nextId = new AtomicLong(1);
    /** Outboxes given deliveries since the last wake-up, per broker-read thread (an old link's may still be ending). */
    private final ThreadLocal<java.util.LinkedHashSet<Outbox>> toWake = ThreadLocal.withInitial(java.util.LinkedHashSet::new);
    private Link link;

    /** One connection to the broker; a new one after a loss. */
    private final class Link {
        final SocketChannel channel;
        final BlockingQueue<ByteBuffer> sendQueue = new ArrayBlockingQueue<>(SEND_QUEUE);
        final Map<Long, LocalSubscription> subs = new ConcurrentHashMap<>();
        final Map<String, Set<LocalSubscription>> granted = new ConcurrentHashMap<>();
        volatile boolean lost;

        Link(SocketChannel channel) {
            this.channel = channel;
        }
    }

    public BrokerClient(Path socket, int workerId, long pid) {
        this.socket = socket;
        this.workerId = workerId;
        this.pid = pid;
    }

    /** Where the broker listens: beside the control socket. */
    public static Path socketBeside(Path controlSocket) {
        return dev.forkd.shared.RuntimeDirs.brokerSocket(controlSocket.getParent());
    }

    private synchronized Link link() throws IOException {
        if (link != null && !link.lost) {
            return link;
        }
        SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            ch.connect(UnixDomainSocketAddress.of(socket));
            if (!PeerCredentials.sameUser(ch, PeerCredentials.self())) {
                throw new IOException("the broker socket " + socket + " is held by user " + PeerCredentials.peer(ch).getName());
            }
        } catch (IOException e) {
            ch.close();
            throw e;
        }
        Link l = new Link(ch);
        l.sendQueue.add(BrokerFrame.hello(workerId, pid).encode());
        link = l;
        Thread reader = new Thread(() -> readLoop(l), "broker-read");
        reader.setDaemon(true);
        reader.start();
        Thread sender = new Thread(() -> sendLoop(l), "broker-send");
        sender.setDaemon(true);
        sender.start();
        return l;
    }

    /**
     * Links now rather than at the first use: an event loop's handlers then never wait for the
     * connect. A failure is logged and left to the first use, which tries again.
     */
    public void linkEarly() {
        try {
            link();
        } catch (IOException e) {
            WorkerLog.warn("cannot link to the broker at boot ({}); the first publish or subscribe tries again", e.toString());
        }
    }

    LocalSubscription subscribe(String topic, String member, int history, Subscriber subscriber, ConnectionTopics owner) throws IOException {
        if (!BrokerFrame.validName(topic) || member != null && !BrokerFrame.validName(member)) {
            throw new IllegalArgumentException("a topic or member name is 1 to " + BrokerFrame.MAX_NAME + " bytes without control characters");
        }
        Link l = link();
        LocalSubscription s = new LocalSubscription(this, nextId.getAndIncrement(), topic, member, subscriber, owner);
        s.link = l;
        l.subs.put(s.id, s);
        send(l, BrokerFrame.sub(s.id, topic, member, Math.max(0, history)));
        return s;
    }

    void publish(String topic, long subId, ByteBuffer message) throws IOException {
        if (!BrokerFrame.validName(topic)) {
            throw new IllegalArgumentException("a topic is 1 to " + BrokerFrame.MAX_NAME + " bytes without control characters");
        }
        if (message.remaining() > BrokerFrame.MAX_PAYLOAD) {
            throw new IllegalArgumentException("a message is at most " + BrokerFrame.MAX_PAYLOAD + " bytes, not " + message.remaining());
        }
        byte[] bytes = new byte[message.remaining()];
        message.duplicate().get(bytes);
        send(link(), BrokerFrame.pub(topic, subId, bytes));
    }

    /** Ends {@code s} at the broker (its member leaves with {@code reason}); nothing more is delivered to it. */
    void cancel(LocalSubscription s, LeaveReason reason) {
        Object l = s.link;
        if (!(l instanceof Link link) || link.subs.remove(s.id) == null) {
            return;
        }
        Set<LocalSubscription> set = link.granted.get(s.topic);
        if (set != null) {
            set.remove(s);
        }
        if (!link.lost) {
            // a full queue means the broker is far behind; it will drop this link as slow and end the member anyway
            link.sendQueue.offer(BrokerFrame.unsub(s.id, reason).encode());
        }
    }

    private static void send(Link l, BrokerFrame f) throws IOException {
        if (!l.sendQueue.offer(f.encode())) {
            throw new IOException("the queue to the broker is full (" + SEND_QUEUE + " frames)");
        }
    }

    private void sendLoop(Link l) {
        try {
            while (!l.lost) {
                ByteBuffer b = l.sendQueue.take();
                while (!l.lost && b.hasRemaining()) {
                    l.channel.write(b);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException e) {
            // the read side sees the same end and ends the subscriptions
            WorkerLog.debug("broker link: write failed: {}", e.toString());
        }
    }

    private void readLoop(Link l) {
        try (DataInputStream in = new DataInputStream(new java.io.BufferedInputStream(Channels.newInputStream(l.channel), 64 * 1024))) {
            while (true) {
                int length = in.readInt();
                if (length < 1 || length > BrokerFrame.MAX_FRAME) {
                    throw new IOException("broker frame of " + length + " bytes");
                }
                byte[] body = new byte[4 + length];
                ByteBuffer.wrap(body).putInt(length);
                in.readFully(body, 4, length);
                dispatch(l, BrokerFrame.next(ByteBuffer.wrap(body)));
                if (in.available() == 0) {
                    wakeAll(); // the burst in hand is queued: each writer writes its part at once
                }
            }
        } catch (EOFException e) {
            WorkerLog.warn("the broker closed this worker's link (the supervisor stopping, or this worker fell behind); its subscriptions end");
        } catch (IOException | RuntimeException e) {
            WorkerLog.warn("the link to the broker broke ({}); its subscriptions end", e.toString());
        }
        lose(l);
    }

    private void dispatch(Link l, BrokerFrame f) {
        switch (f.op()) {
            case REPLAY -> {
                LocalSubscription s = l.subs.get(f.sub());
                if (s != null) {
                    s.deliver(new Delivery(Delivery.Kind.HISTORY, s.topic, f.seq(), f.ts(), f.member(), null, ByteBuffer.wrap(f.payload()), List.of()));
                }
            }
            case GRANT -> {
                LocalSubscription s = l.subs.get(f.sub());
                if (s != null) {
                    l.granted.computeIfAbsent(s.topic, t -> new CopyOnWriteArraySet<>()).add(s);
                    s.deliver(new Delivery(Delivery.Kind.GRANTED, s.topic, f.seq(), 0, s.member, null, ByteBuffer.allocate(0), f.members()));
                }
            }
            case REFUSE -> {
                LocalSubscription s = l.subs.remove(f.sub());
                if (s != null) {
                    s.ended();
                    s.deliver(new Delivery(Delivery.Kind.REFUSED, s.topic, 0, 0, s.member, f.member(), ByteBuffer.allocate(0), List.of()));
                }
            }
            case EVENT -> {
                Set<LocalSubscription> set = l.granted.get(f.topic());
                if (set == null || set.isEmpty()) {
                    return;
                }
                Delivery.Kind kind = switch (f.kind()) {
                    case MESSAGE -> Delivery.Kind.MESSAGE;
                    case JOINED -> Delivery.Kind.JOINED;
                    case LEFT -> Delivery.Kind.LEFT;
                };
                Delivery d = new Delivery(kind, f.topic(), f.seq(), f.ts(), f.member(), kind == Delivery.Kind.LEFT ? f.reason().word() : null,
                        ByteBuffer.wrap(f.payload()), List.of());
                for (LocalSubscription s : set) {
                    s.deliver(d);
                }
            }
            default -> throw new IllegalArgumentException("the broker may not send " + f.op());
        }
    }

    /** On broker-read, for each delivery queued: its outbox is woken after the burst. */
    void toWake(Outbox o) {
        toWake.get().add(o);
    }

    private void wakeAll() {
        java.util.LinkedHashSet<Outbox> set = toWake.get();
        for (Outbox o : set) {
            o.wake();
        }
        set.clear();
    }

    private void lose(Link l) {
        l.lost = true;
        try {
            l.channel.close();
        } catch (IOException e) {
            // it is broken already; nothing more to release
            WorkerLog.debug("closing the broker link: {}", e.toString());
        }
        l.sendQueue.clear();
        l.sendQueue.offer(ByteBuffer.allocate(0)); // wakes broker-send, which then sees the loss and ends
        List<LocalSubscription> all = new ArrayList<>(l.subs.values());
        l.subs.clear();
        l.granted.clear();
        for (LocalSubscription s : all) {
            s.ended();
            s.deliver(new Delivery(Delivery.Kind.ENDED, s.topic, 0, 0, s.member, "lost the broker", ByteBuffer.allocate(0), List.of()));
            s.owner.closeAfterOutbox();
        }
        wakeAll();
    }
}
