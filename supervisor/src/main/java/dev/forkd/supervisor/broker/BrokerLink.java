package dev.forkd.supervisor.broker;

import dev.forkd.shared.pubsub.BrokerFrame;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * One worker's link to the broker: its subscriptions and its outbound queue, bounded in bytes. A
 * frame that would pass the bound is not queued; the link is marked slow and the broker ends it.
 * Used on the broker thread only.
 */
final class BrokerLink {
    enum State { NEW, LIVE, ENDED }

    final SocketChannel channel;
    SelectionKey key;
    State state = State.NEW;
    int workerId;
    long pid;
    boolean saidBye;
    boolean slow;
    final Map<Long, Subscription> subs = new HashMap<>();
    private final ArrayDeque<ByteBuffer> out = new ArrayDeque<>();
    private long outBytes;
    private final long outLimit;
    ByteBuffer in = ByteBuffer.allocate(64 * 1024);

    /** {@code channel} is null in tests, whose links only queue. */
    BrokerLink(SocketChannel channel, long outLimit) {
        this.channel = channel;
        this.outLimit = outLimit;
    }

    /** Queues {@code frame} (shared: not modified); false if the bound is reached, and the link is then slow. */
    boolean send(ByteBuffer frame) {
        if (state == State.ENDED) {
            return true;
        }
        if (outBytes + frame.remaining() > outLimit) {
            slow = true;
            return false;
        }
        out.add(frame.duplicate());
        outBytes += frame.remaining();
        return true;
    }

    boolean hasOutput() {
        return !out.isEmpty();
    }

    long queuedBytes() {
        return outBytes;
    }

    /** Writes what the socket takes now; true if everything queued went out. */
    boolean flush() throws IOException {
        while (!out.isEmpty()) {
            int n = Math.min(out.size(), 64);
            ByteBuffer[] batch = new ByteBuffer[n];
            Iterator<ByteBuffer> it = out.iterator();
            for (int i = 0; i < n; i++) {
                batch[i] = it.next();
            }
            outBytes -= channel.write(batch);
            while (!out.isEmpty() && !out.peekFirst().hasRemaining()) {
                out.pollFirst();
            }
            if (batch[n - 1].hasRemaining()) {
                return false; // the socket is full: the rest waits for OP_WRITE
            }
        }
        return true;
    }

    /** For tests: the queued frames, decoded, and the queue emptied. */
    List<BrokerFrame> takeSent() {
        List<BrokerFrame> frames = new ArrayList<>();
        for (ByteBuffer b : out) {
            frames.add(BrokerFrame.next(b.duplicate()));
        }
        out.clear();
        outBytes = 0;
        return frames;
    }

    String label() {
        return state == State.NEW ? "an unidentified broker link" : "worker " + workerId + " (pid " + pid + ")";
    }
}
