package dev.forkd.supervisor.dispatch;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.util.concurrent.atomic.AtomicReference;

/**
 * One accepted client on its way along the data path: the listener makes it, {@link Admission}
 * counts it, the {@link Preamble} records what it read of it, the {@link Dispatcher} queues it
 * and the {@link Relay} takes it. Everything known about the client travels with it, so that no
 * stage keeps a table keyed by its channel.
 */
public final class AcceptedClient {
    public final SocketChannel channel;
    public final long acceptedNanos = System.nanoTime();

    /** Admission's record, guarded by the {@link Admission}'s monitor: whether it counts against the limits. */
    public boolean admitted;
    /** Admission's record: the address it counts under for --max-per-ip, null for none. */
    public InetAddress countedAddress;

    /*
     * What the preamble learnt. Written on the preamble's thread before it hands the client to the
     * dispatcher, read by the thread that opens its worker stream after that hand-over (the
     * dispatcher's monitor, or the same thread, orders the two).
     */
    private InetSocketAddress declaredSource;
    private InetSocketAddress declaredDestination;
    private ByteBuffer leftover;
    private long preambleDoneNanos;
    /** Gives back the memory budget the preamble took for {@link #leftover}; taken once. */
    private final AtomicReference<Runnable> leftoverReservation = new AtomicReference<>();

    public AcceptedClient(SocketChannel channel) {
        this.channel = channel;
    }

    /**
     * The preamble is done with it.
     *
     * @param source the client its upstream PROXY header declared; null without --accept-proxy or
     *     for the proxy's own LOCAL or UNKNOWN connections (then the peer is the client)
     * @param leftover the client's first bytes, which go to the worker first
     * @param releaseReservation gives back the budget those bytes hold; see {@link #handedOver()}
     */
    public void prepared(InetSocketAddress source, InetSocketAddress destination, ByteBuffer leftover, Runnable releaseReservation) {
        this.declaredSource = source;
        this.declaredDestination = destination;
        this.leftover = leftover;
        this.preambleDoneNanos = System.nanoTime();
        this.leftoverReservation.set(releaseReservation);
    }

    public InetSocketAddress declaredSource() {
        return declaredSource;
    }

    public InetSocketAddress declaredDestination() {
        return declaredDestination;
    }

    /** What the preamble read of the client's bytes; null if it read none. */
    public ByteBuffer leftover() {
        return leftover;
    }

    /** When the preamble handed it on (System.nanoTime); 0 if it did not go through one. */
    public long preambleDoneNanos() {
        return preambleDoneNanos;
    }

    /** The relay has copied the leftover bytes, or the client is dropped: the preamble's reservation goes back. Idempotent. */
    public void handedOver() {
        Runnable r = leftoverReservation.getAndSet(null);
        if (r != null) {
            r.run();
        }
    }
}
