package dev.forkd.shared.pubsub;

import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * One frame on a broker link, the Unix socket {@code broker.sock} between a worker and the
 * supervisor's publish/subscribe broker: a 4-byte big-endian length, then an op byte and the op's
 * fields (strings as a 2-byte length and UTF-8, payloads to the end of the frame). Which fields an
 * op carries is in {@link BrokerOp}; unused ones are zero, empty or null.
 *
 * @param number the history wanted (SUB) or the worker id (HELLO)
 * @param seq the topic sequence number (GRANT, REPLAY, EVENT) or the pid (HELLO)
 */
public record BrokerFrame(BrokerOp op, long sub, String topic, String member, int number, long seq, long ts,
        EventKind kind, LeaveReason reason, byte[] payload, List<String> members) {

    /** The largest message a publisher may send. */
    public static final int MAX_PAYLOAD = 64 * 1024;
    /** Topic names and member names: 1 to this many UTF-8 bytes. */
    public static final int MAX_NAME = 200;
    /** The named members of one topic (a GRANT lists them all). */
    public static final int MAX_MEMBERS = 2048;
    /** The largest frame either side accepts: a GRANT with every member, or a full payload and its header. */
    public static final int MAX_FRAME = MAX_PAYLOAD + 1024 + MAX_MEMBERS * (MAX_NAME + 2);

    private static final byte[] NONE = new byte[0];

    public static BrokerFrame hello(int workerId, long pid) {
        return new BrokerFrame(BrokerOp.HELLO, 0, null, null, workerId, pid, 0, null, null, NONE, List.of());
    }

    public static BrokerFrame sub(long sub, String topic, String member, int history) {
        return new BrokerFrame(BrokerOp.SUB, sub, topic, member == null ? "" : member, history, 0, 0, null, null, NONE, List.of());
    }

    public static BrokerFrame unsub(long sub, LeaveReason reason) {
        return new BrokerFrame(BrokerOp.UNSUB, sub, null, null, 0, 0, 0, null, reason, NONE, List.of());
    }

    public static BrokerFrame pub(String topic, long sub, byte[] payload) {
        return new BrokerFrame(BrokerOp.PUB, sub, topic, null, 0, 0, 0, null, null, payload, List.of());
    }

    public static BrokerFrame bye() {
        return new BrokerFrame(BrokerOp.BYE, 0, null, null, 0, 0, 0, null, null, NONE, List.of());
    }

    public static BrokerFrame grant(long sub, long seq, List<String> members) {
        return new BrokerFrame(BrokerOp.GRANT, sub, null, null, 0, seq, 0, null, null, NONE, List.copyOf(members));
    }

    public static BrokerFrame refuse(long sub, String why) {
        return new BrokerFrame(BrokerOp.REFUSE, sub, null, why, 0, 0, 0, null, null, NONE, List.of());
    }

    public static BrokerFrame replay(long sub, long seq, long ts, String from, byte[] payload) {
        return new BrokerFrame(BrokerOp.REPLAY, sub, null, from, 0, seq, ts, null, null, payload, List.of());
    }

    public static BrokerFrame event(String topic, EventKind kind, long seq, long ts, String member, LeaveReason reason, byte[] payload) {
        return new BrokerFrame(BrokerOp.EVENT, 0, topic, member == null ? "" : member, 0, seq, ts, kind,
                reason == null ? LeaveReason.LEAVE : reason, payload, List.of());
    }

    /** A topic or member name that fits a frame and a log line: 1..MAX_NAME UTF-8 bytes, no control characters. */
    public static boolean validName(String s) {
        if (s == null || s.isEmpty() || s.getBytes(StandardCharsets.UTF_8).length > MAX_NAME) {
            return false;
        }
        return s.codePoints().noneMatch(Character::isISOControl);
    }

    /** The whole frame, length first, ready to write. */
    public ByteBuffer encode() {
        int size = 1 + 8 + 8 + 8 + 4 + 4 + 2 + payload.length + str(topic) + str(member);
        for (String m : members) {
            size += str(m);
        }
        ByteBuffer b = ByteBuffer.allocate(4 + size);
        b.putInt(0).put((byte) op.ordinal());
        switch (op) {
            case HELLO -> b.putInt(number).putLong(seq);
            case SUB -> {
                b.putLong(sub);
                put(b, topic);
                put(b, member);
                b.putInt(number);
            }
            case UNSUB -> b.putLong(sub).put((byte) reason.ordinal());
            case PUB -> {
                put(b, topic);
                b.putLong(sub).put(payload);
            }
            case BYE -> {
            }
            case GRANT -> {
                b.putLong(sub).putLong(seq).putShort((short) members.size());
                for (String m : members) {
                    put(b, m);
                }
            }
            case REFUSE -> {
                b.putLong(sub);
                put(b, member);
            }
            case REPLAY -> {
                b.putLong(sub).putLong(seq).putLong(ts);
                put(b, member);
                b.put(payload);
            }
            case EVENT -> {
                put(b, topic);
                b.put((byte) kind.ordinal()).putLong(seq).putLong(ts);
                put(b, member);
                b.put((byte) reason.ordinal()).put(payload);
            }
            default -> throw new AssertionError(op);
        }
        b.flip();
        b.putInt(0, b.limit() - 4);
        return b;
    }

    /**
     * The next whole frame at {@code in}'s position (consumed), or null if {@code in} does not hold
     * one yet (nothing consumed).
     *
     * @throws IllegalArgumentException for a length over {@link #MAX_FRAME} or a malformed frame
     */
    public static BrokerFrame next(ByteBuffer in) {
        if (in.remaining() < 4) {
            return null;
        }
        int length = in.getInt(in.position());
        if (length < 1 || length > MAX_FRAME) {
            throw new IllegalArgumentException("broker frame of " + length + " bytes (at most " + MAX_FRAME + ")");
        }
        if (in.remaining() < 4 + length) {
            return null;
        }
        ByteBuffer body = in.slice(in.position() + 4, length);
        in.position(in.position() + 4 + length);
        try {
            return decode(body);
        } catch (BufferUnderflowException | IndexOutOfBoundsException e) {
            throw new IllegalArgumentException("truncated broker frame", e);
        }
    }

    private static BrokerFrame decode(ByteBuffer b) {
        BrokerOp op = BrokerOp.of(b.get());
        BrokerFrame f = switch (op) {
            case HELLO -> hello(b.getInt(), b.getLong());
            case SUB -> sub(b.getLong(), get(b), get(b), b.getInt());
            case UNSUB -> unsub(b.getLong(), LeaveReason.of(b.get()));
            case PUB -> {
                String topic = get(b);
                yield pub(topic, b.getLong(), rest(b));
            }
            case BYE -> bye();
            case GRANT -> {
                long sub = b.getLong();
                long seq = b.getLong();
                int n = Short.toUnsignedInt(b.getShort());
                List<String> members = new ArrayList<>(n);
                for (int i = 0; i < n; i++) {
                    members.add(get(b));
                }
                yield grant(sub, seq, members);
            }
            case REFUSE -> refuse(b.getLong(), get(b));
            case REPLAY -> replay(b.getLong(), b.getLong(), b.getLong(), get(b), rest(b));
            case EVENT -> {
                String topic = get(b);
                EventKind kind = EventKind.of(b.get());
                long seq = b.getLong();
                long ts = b.getLong();
                String member = get(b);
                yield event(topic, kind, seq, ts, member, LeaveReason.of(b.get()), rest(b));
            }
        };
        if (op != BrokerOp.PUB && op != BrokerOp.REPLAY && op != BrokerOp.EVENT && b.hasRemaining()) {
            throw new IllegalArgumentException("broker frame " + op + " has " + b.remaining() + " trailing bytes");
        }
        return f;
    }

    private static int str(String s) {
        return s == null ? 0 : 2 + s.getBytes(StandardCharsets.UTF_8).length;
    }

    private static void put(ByteBuffer b, String s) {
        byte[] bytes = s == null ? NONE : s.getBytes(StandardCharsets.UTF_8);
        b.putShort((short) bytes.length).put(bytes);
    }

    private static String get(ByteBuffer b) {
        int n = Short.toUnsignedInt(b.getShort());
        byte[] bytes = new byte[n];
        b.get(bytes);
        return new String(bytes, StandardCharsets.UTF_8);
    }

    private static byte[] rest(ByteBuffer b) {
        byte[] bytes = new byte[b.remaining()];
        b.get(bytes);
        return bytes;
    }
}
