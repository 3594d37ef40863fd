package dev.forkd.shared;

import java.util.Locale;

/**
 * One line on the control channel between a worker and the supervisor. The channel is a Unix
 * stream socket the worker opens to the supervisor; each message is one ASCII line:
 * <pre>
 *   worker → supervisor:  ready &lt;workerId&gt; &lt;pid&gt;     pong &lt;seq&gt;
 *   supervisor → worker:  ping &lt;seq&gt;     drain     stop
 * </pre>
 * {@code drain}: stop taking connections, finish the live ones, exit 0. {@code stop}: exit now.
 */
public record ControlMessage(Type type, long a, long b) {
    /** Longest line either side accepts; anything longer is a protocol error. */
    public static final int MAX_LINE = 128;

    public enum Type {
        READY(2), PING(1), PONG(1), DRAIN(0), STOP(0);

        final int arity;

        Type(int arity) {
            this.arity = arity;
        }
    }

    public static ControlMessage ready(int workerId, long pid) {
        return new ControlMessage(Type.READY, workerId, pid);
    }

    public static ControlMessage ping(long seq) {
        return new ControlMessage(Type.PING, seq, 0);
    }

    public static ControlMessage pong(long seq) {
        return new ControlMessage(Type.PONG, seq, 0);
    }

    public static ControlMessage drain() {
        return new ControlMessage(Type.DRAIN, 0, 0);
    }

    public static ControlMessage stop() {
        return new ControlMessage(Type.STOP, 0, 0);
    }

    /** The line, with its terminating newline. */
    public String encode() {
        String name = type.name().toLowerCase(Locale.ROOT);
        switch (type.arity) {
            case 2:
                return name + " " + a + " " + b + "\n";
            case 1:
                return name + " " + a + "\n";
            default:
                return name + "\n";
        }
    }

    /** @throws IllegalArgumentException for anything but a well-formed message line (newline already removed). */
    public static ControlMessage parse(String line) {
        if (line.length() > MAX_LINE) {
            throw new IllegalArgumentException("control line too long");
        }
        String[] parts = line.trim().split(" ");
        Type type;
        try {
            type = Type.valueOf(parts[0].toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown control message '" + parts[0] + "'", e);
        }
        if (parts.length != 1 + type.arity) {
            throw new IllegalArgumentException("control message '" + parts[0] + "' takes " + type.arity + " arguments");
        }
        try {
            long a = type.arity > 0 ? Long.parseLong(parts[1]) : 0;
            long b = type.arity > 1 ? Long.parseLong(parts[2]) : 0;
            return new ControlMessage(type, a, b);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("bad number in control message '" + line + "'", e);
        }
    }
}
