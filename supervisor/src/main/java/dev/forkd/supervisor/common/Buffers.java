package dev.forkd.supervisor.common;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.FixedRecvByteBufAllocator;
import io.netty.channel.ChannelConfig;
import io.netty.channel.ChannelOption;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.RecvByteBufAllocator;
import io.netty.util.UncheckedBooleanSupplier;
import io.netty.util.internal.PlatformDependent;

/**
 * The data path's buffers: one pooled allocator of direct buffers (reads land there and are
 * written from there, no copy through the heap), and reads sized to what the {@link MemoryBudget}
 * has left. A read issued while the budget had room may complete after it is spent; sizing it to
 * the room left (at least one byte) keeps the overshoot to what reads on different loops take at
 * the same instant: at most one chunk per event loop.
 */
public final class Buffers {
    /** What one direction queues for a slow peer before it stops reading the other side. */
    static final WriteBufferWaterMark WATER_MARK = new WriteBufferWaterMark(32 * 1024, 64 * 1024);
    private final PooledByteBufAllocator allocator = new PooledByteBufAllocator(true);
    private final MemoryBudget budget;
    private final int chunk;
    private final RecvByteBufAllocator reads;

    /** @param chunk the most one read takes */
    public Buffers(MemoryBudget budget, int chunk) {
        this.budget = budget;
        this.chunk = chunk;
        FixedRecvByteBufAllocator fixed = new FixedRecvByteBufAllocator(chunk);
        this.reads = () -> new Budgeted((RecvByteBufAllocator.ExtendedHandle) fixed.newHandle());
    }

    /** Options of every data-path channel: read only when asked, half-closes carried, these buffers, bounded write queues. */
    public void configure(ChannelConfig c) {
        c.setAutoRead(false);
        c.setAllocator(allocator);
        c.setRecvByteBufAllocator(reads());
        c.setWriteBufferWaterMark(WATER_MARK);
        c.setOption(ChannelOption.ALLOW_HALF_CLOSURE, true);
    }

    public ByteBufAllocator allocator() {
        return allocator;
    }

    public MemoryBudget budget() {
        return budget;
    }

    public int chunk() {
        return chunk;
    }

    /**
     * The read-size policy of every channel: one chunk (what is there, up to a chunk, in one read,
     * as the hand-written relay read into its scratch buffer), capped by the budget's room. Not
     * adaptive: Netty's adaptive sizing shrinks after small reads and then takes a bulk transfer
     * in small pieces, a system call and a loop round each (measured: 2.8 times the CPU per MiB).
     */
    public RecvByteBufAllocator reads() {
        return reads;
    }

    public long usedDirectMemory() {
        return allocator.metric().usedDirectMemory();
    }

    public int directArenas() {
        return allocator.metric().numDirectArenas();
    }

    /** What Netty lets direct buffers take in all (-XX:MaxDirectMemorySize, or the heap's maximum). */
    public static long directMemoryLimit() {
        return PlatformDependent.maxDirectMemory();
    }

    int cap(int guess) {
        long room = budget.limit() - budget.used();
        return room >= guess ? guess : (int) Math.max(1, room);
    }

    /**
     * The wrapped handle's size (the fixed chunk), capped by the budget's room; everything else is
     * the wrapped handle's. Not Netty's DelegatingHandle: the epoll transport casts the handle to
     * ExtendedHandle, which that one is not.
     */
    private final class Budgeted implements RecvByteBufAllocator.ExtendedHandle {
        private final RecvByteBufAllocator.ExtendedHandle d;

        Budgeted(RecvByteBufAllocator.ExtendedHandle d) {
            this.d = d;
        }

        @Override
        public ByteBuf allocate(ByteBufAllocator alloc) {
            return alloc.ioBuffer(guess());
        }

        @Override
        public int guess() {
            return cap(d.guess());
        }

        @Override
        public void reset(ChannelConfig config) {
            d.reset(config);
        }

        @Override
        public void incMessagesRead(int numMessages) {
            d.incMessagesRead(numMessages);
        }

        @Override
        public void lastBytesRead(int bytes) {
            d.lastBytesRead(bytes);
        }

        @Override
        public int lastBytesRead() {
            return d.lastBytesRead();
        }

        @Override
        public void attemptedBytesRead(int bytes) {
            d.attemptedBytesRead(bytes);
        }

        @Override
        public int attemptedBytesRead() {
            return d.attemptedBytesRead();
        }

        @Override
        public boolean continueReading() {
            return d.continueReading();
        }

        @Override
        public boolean continueReading(UncheckedBooleanSupplier maybeMoreDataSupplier) {
            return d.continueReading(maybeMoreDataSupplier);
        }

        @Override
        public void readComplete() {
            d.readComplete();
        }
    }
}
