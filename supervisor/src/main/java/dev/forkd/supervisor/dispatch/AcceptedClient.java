package dev.forkd.supervisor.dispatch;

import dev.forkd.supervisor.common.MemoryBudget;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.channel.Channel;
import io.netty.handler.codec.haproxy.HAProxyTLV;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

/**
 * One accepted client on its way along the data path: the listener makes it, {@code Admission}
 * counts it, the client pipeline's stages record what they read of it, the {@link Dispatcher}
 * queues it and the relay takes it. Everything known about the client travels with it, so that
 * no stage keeps a table keyed by its channel.
 */
public final class AcceptedClient {
    public final Channel channel;
    public final long acceptedNanos = System.nanoTime();

    /** Admission's record, guarded by the {@code Admission}'s monitor: whether it counts against the limits. */
    public boolean admitted;
    /** Admission's record: the address it counts under for --max-per-ip, null for none. */
    public InetAddress countedAddress;

    /*
     * What the pipeline's stages learnt. Written on the client's event loop before it is handed to
     * the dispatcher, read by the relay after that hand-over (the dispatcher's monitor, or the same
     * thread, orders the two).
     */
    private InetSocketAddress declaredSource;
    private InetSocketAddress declaredDestination;
    /** The client's first bytes, held against the budget until taken or dropped. */
    private final AtomicReference<ByteBuf> leftover = new AtomicReference<>();
    private MemoryBudget budget;
    private Supplier<List<HAProxyTLV>> workerTlvs = List::of;
    private long preambleDoneNanos;

    public AcceptedClient(Channel channel) {
        this.channel = channel;
    }

    /**
     * The stages before a worker are done with it.
     *
     * @param source the client its upstream PROXY header declared; null without --accept-proxy or
     *     for the proxy's own LOCAL or UNKNOWN connections (then the peer is the client)
     * @param first the client's first bytes, which go to the worker first (null for none); their
     *     readable bytes are reserved in {@code budget} until {@link #takeLeftover} or {@link #handedOver}
     */
    public void prepared(InetSocketAddress source, InetSocketAddress destination, ByteBuf first, MemoryBudget budget) {
        this.declaredSource = source;
        this.declaredDestination = destination;
        this.budget = budget;
        this.preambleDoneNanos = System.nanoTime();
        this.leftover.set(first);
    }

    /**
     * Bytes that arrived after the hand-over and before the relay took the client (a TLS
     * handler's own read), reserved in the budget as the first ones are; they follow them.
     */
    public void appendLeftover(ByteBuf more) {
        ByteBuf first = leftover.get();
        if (first == null) {
            leftover.set(more);
            return;
        }
        CompositeByteBuf all = first instanceof CompositeByteBuf ? (CompositeByteBuf) first
                : more.alloc().compositeDirectBuffer().addComponent(true, first);
        leftover.set(all.addComponent(true, more));
    }

    /** With TLS: what tells the worker about the handshake, in its PROXY v2 header; set before the hand-over. */
    public void workerTlvs(Supplier<List<HAProxyTLV>> tlvs) {
        this.workerTlvs = tlvs;
    }

    /** The TLVs for the worker's PROXY v2 header, made fresh (the encoder releases them); empty without TLS. */
    public List<HAProxyTLV> workerTlvs() {
        return workerTlvs.get();
    }

    public InetSocketAddress declaredSource() {
        return declaredSource;
    }

    public InetSocketAddress declaredDestination() {
        return declaredDestination;
    }

    /**
     * The client's first bytes, now the caller's together with their budget reservation (it
     * releases them and the bytes once written); null if none were read, or they were dropped.
     */
    public ByteBuf takeLeftover() {
        return leftover.getAndSet(null);
    }

    /** When the stages before a worker handed it on (System.nanoTime); 0 if there were none. */
    public long preambleDoneNanos() {
        return preambleDoneNanos;
    }

    /** The client is dropped (or its bytes were taken): what is still held here goes back. Idempotent. */
    public void handedOver() {
        ByteBuf b = leftover.getAndSet(null);
        if (b != null) {
            int n = b.readableBytes();
            b.release();
            budget.release(n);
        }
    }
}
