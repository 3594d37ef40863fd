package dev.forkd.shared.pubsub;

import java.util.Locale;

/** Why a named subscription (a member) left its topic; the chat room's {@code left} reasons. */
public enum LeaveReason {
    /** It asked to. */
    LEAVE,
    /** Its connection closed. */
    CLOSED,
    /** Its worker died (the broker link ended without a goodbye). */
    CRASHED,
    /** It fell behind: its connection's outbox, or its worker's queue in the broker, overflowed. */
    SLOW;

    /** The lower-case word the chat protocol and logs use. */
    public String word() {
        return name().toLowerCase(Locale.ROOT);
    }

    static LeaveReason of(int ordinal) {
        LeaveReason[] all = values();
        if (ordinal < 0 || ordinal >= all.length) {
            throw new IllegalArgumentException("unknown leave reason " + ordinal);
        }
        return all[ordinal];
    }
}
