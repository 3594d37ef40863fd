package dev.forkd.tools.bench;

import dev.forkd.tools.client.TcpConnector;
import dev.forkd.shared.framing.FrameDecoder;
import dev.forkd.shared.framing.Framing;
import dev.forkd.shared.framing.FramingException;
import dev.forkd.shared.framing.Framings;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * One connection of {@code forkd bench}, on its own thread: send a message, wait for its whole
 * reply, record the latency, repeat until the end of the run. Closed loop: the next message
 * goes as soon as the reply is in. Open loop: each message waits for its intended time in the
 * {@link OpenLoopSchedule}, and a late one is sent at once and charged from that time. A
 * connection that fails is counted, and replaced after a short pause, so that a run survives
 * a worker being killed under it.
 */
final class BenchConnection implements Runnable {
    private static final Logger LOG = LogManager.getLogger(BenchConnection.class);
    /** The pause after a failure before reconnecting, so that a server that is down is not hammered in a tight loop. */
    static final long RETRY_PAUSE_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

    /** The measurement window of the run, known only once every connection has been tried. */
    record Window(long measureStart, long end, OpenLoopSchedule schedule) {
    }

    private final int id;
    private final BenchPlan plan;
    private final BenchStats stats;
    private final CountDownLatch tried;
    private final CompletableFuture<Window> window;
    /** The encoded message, the same every time: lowercase letters, so that upper-casing shows. */
    private final byte[] message;
    /** --pipeline messages, sent in one write before their replies are read. */
    private final byte[] batch;
    /** The reply expected (without framing), or null when any reply will do. */
    private final byte[] expected;
    private final long timeoutNanos;
    private final byte[] buf;

    // per socket, used by this connection's thread only
    private FrameDecoder decoder;
    private int bufPos;
    private int bufLim;
    private int framesReady;
    private int wrongFrames;
    /** This socket has had a reply: a timeout from now on is an error, not a wait for the server to take it. */
    private boolean socketAnswered;

    /** When the first message went out on the current socket while it still has no reply, else 0; read by BenchRun at the end. */
    private volatile long awaitingFirstReplySince;
    /** The longest wait for a first reply that came, over this connection's sockets; -1 before any. */
    private volatile long longestFirstReply = -1;
    /** Sockets that got no first reply within --timeout (the server did not take them), made again each time. */
    private volatile int firstReplyTimeouts;

    private Socket socket;
    private volatile boolean stopped;
    private volatile boolean everConnected;
    private volatile boolean everAnswered;
    private volatile Thread thread;

    BenchConnection(int id, BenchPlan plan, BenchStats stats, CountDownLatch tried, CompletableFuture<Window> window) {
        this.id = id;
        this.plan = plan;
        this.stats = stats;
        this.tried = tried;
        this.window = window;
        byte[] payload = payload(plan.framing(), plan.expect(), plan.size(), id);
        this.message = encode(plan.framing(), payload);
        this.batch = repeat(message, plan.pipeline());
        this.expected = plan.expect().expectedReply(payload);
        this.timeoutNanos = plan.timeout().toNanos();
        this.buf = new byte[Math.max(8192, Math.min(plan.size(), 1 << 16))];
    }

    /** Random lowercase letters, different per connection but the same from run to run. */
    static byte[] payload(int size, long seed) {
        return Expect.UPPER.payload(size, seed);
    }

    /** {@code n} messages back to back: one write sends a whole pipeline. */
    static byte[] repeat(byte[] message, int n) {
        byte[] all = new byte[message.length * n];
        for (int i = 0; i < n; i++) {
            System.arraycopy(message, 0, all, i * message.length, message.length);
        }
        return all;
    }

    /**
     * What {@code expect} sends (see {@link Expect#payload}); in json framing the letters are quoted, one JSON string of
     * {@code size} bytes, which the json upper handler upper-cases as the byte handlers do.
     */
    static byte[] payload(Framing framing, Expect expect, int size, long seed) {
        byte[] b = expect.payload(size, seed);
        // the json handler's documents are JSON already; letters become one JSON string
        if (framing == Framing.JSON && expect != Expect.JSON) {
            b[0] = '"';
            b[size - 1] = '"';
        }
        return b;
    }

    static byte[] encode(Framing framing, byte[] payload) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(payload.length + 4);
        for (ByteBuffer b : Framings.encoder(framing, payload.length).encode(ByteBuffer.wrap(payload))) {
            // not b.array(): the line encoder's newline is a read-only buffer
            byte[] bytes = new byte[b.remaining()];
            b.get(bytes);
            out.writeBytes(bytes);
        }
        return out.toByteArray();
    }

    boolean everConnected() {
        return everConnected;
    }

    boolean everAnswered() {
        return everAnswered;
    }

    /** How long this connection waited for first replies; call after the run has stopped. */
    BenchCapacity.Waits waits(long stoppedAt) {
        long since = awaitingFirstReplySince;
        return new BenchCapacity.Waits(longestFirstReply, firstReplyTimeouts, since == 0 ? -1 : stoppedAt - since);
    }

    @Override
    public void run() {
        thread = Thread.currentThread();
        try {
            connect();
        } finally {
            tried.countDown();
        }
        Window w;
        try {
            w = window.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            closeSocket();
            return;
        } catch (ExecutionException e) {
            // the run was abandoned before it started; BenchRun reports why
            closeSocket();
            return;
        }
        if (w != null) {
            loop(w);
            // keep the socket until every connection has stopped recording: closing it now would free a
            // server slot for a queued connection, whose reply would then count as an answer
            while (!stopped) {
                LockSupport.park(this);
            }
        }
        closeSocket();
    }

    private void loop(Window w) {
        long k = 0;
        while (!stopped && w.end() - System.nanoTime() > 0) {
            if (!hasSocket() && !connect()) {
                pauseUntil(Math.min(System.nanoTime() + RETRY_PAUSE_NANOS, w.end()));
                continue;
            }
            long intended;
            if (w.schedule() != null) {
                intended = w.schedule().intendedNanos(id, k++);
                if (intended - w.end() >= 0) {
                    return;
                }
                pauseUntil(intended);
                if (stopped) {
                    return;
                }
            } else {
                intended = System.nanoTime();
            }
            exchange(intended, w);
        }
    }

    /** Sends the message once and waits for its reply; records the latency or the error. */
    private void exchange(long intended, Window w) {
        Socket s;
        synchronized (this) {
            s = socket;
        }
        if (s == null) {
            return;
        }
        try {
            if (!socketAnswered && awaitingFirstReplySince == 0) {
                awaitingFirstReplySince = System.nanoTime();
            }
            s.getOutputStream().write(batch);
            long deadline = System.nanoTime() + timeoutNanos;
            boolean right = true;
            for (int i = 0; i < plan.pipeline(); i++) {
                right &= plan.framing() == Framing.RAW ? awaitBytes(s, deadline) : awaitFrame(s, deadline);
            }
            long done = System.nanoTime();
            if (stopped) {
                // a reply after the end: closing the others' sockets may have freed a slot the server gave to this one
                return;
            }
            everAnswered = true;
            if (!socketAnswered) {
                socketAnswered = true;
                longestFirstReply = Math.max(longestFirstReply, done - awaitingFirstReplySince);
                awaitingFirstReplySince = 0;
            }
            if (!right) {
                fail(BenchError.WRONG_REPLY, "the reply is not the " + plan.expect() + " of the message (see --expect)", false);
            } else if (intended - w.measureStart() >= 0) {
                // each message of a pipeline waited for the whole batch
                for (int i = 0; i < plan.pipeline(); i++) {
                    stats.latency(done - intended);
                }
            }
        } catch (SocketTimeoutException e) {
            if (socketAnswered) {
                fail(BenchError.TIMEOUT, "no complete reply within " + TimeUnit.NANOSECONDS.toMillis(timeoutNanos) + " ms", true);
            } else {
                unanswered();
            }
        } catch (EOFException e) {
            fail(BenchError.CLOSED, socketAnswered ? "the server closed the connection"
                    : "the server closed the connection before its first reply (a full queue, or its queue timeout?)", true);
        } catch (FramingException e) {
            fail(BenchError.WRONG_REPLY, "the reply cannot be framed: " + e.getMessage(), true);
        } catch (IOException e) {
            fail(BenchError.RESET, String.valueOf(e.getMessage()), true);
        }
    }

    /** Raw: the reply is as many bytes as the message, however the reads cut them. */
    private boolean awaitBytes(Socket s, long deadline) throws IOException {
        boolean right = true;
        for (int at = 0; at < message.length;) {
            if (bufPos == bufLim) {
                fill(s, deadline);
            }
            int take = Math.min(message.length - at, bufLim - bufPos);
            if (expected != null && !Arrays.equals(buf, bufPos, bufPos + take, expected, at, at + take)) {
                right = false;
            }
            bufPos += take;
            at += take;
        }
        return right;
    }

    /** Framed: the reply is the next frame. */
    private boolean awaitFrame(Socket s, long deadline) throws IOException, FramingException {
        while (framesReady == 0) {
            fill(s, deadline);
            decoder.decode(ByteBuffer.wrap(buf, 0, bufLim), frame -> {
                framesReady++;
                if (!Expect.matches(frame, expected)) {
                    wrongFrames++;
                }
            });
            bufPos = bufLim;
        }
        framesReady--;
        boolean right = wrongFrames == 0;
        wrongFrames = 0;
        return right;
    }

    private void fill(Socket s, long deadline) throws IOException {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
            throw new SocketTimeoutException();
        }
        // a timeout per reply, not per read: a trickle of bytes must not stretch it
        s.setSoTimeout((int) Math.max(1, Math.min(Integer.MAX_VALUE, TimeUnit.NANOSECONDS.toMillis(left))));
        int n = s.getInputStream().read(buf);
        if (n < 0) {
            throw new EOFException();
        }
        bufPos = 0;
        bufLim = n;
    }

    /**
     * No first reply within --timeout on a connection that was made: the server has not taken it
     * (a prefork forkd queues connections beyond its workers). Not an error of the network or the
     * server; counted apart and reported as the server's capacity. The socket is made again, as
     * after an error, so that a server that frees a slot later can still be measured.
     */
    private void unanswered() {
        if (stopped) {
            return;
        }
        firstReplyTimeouts++;
        awaitingFirstReplySince = 0;
        stats.unanswered(id, TimeUnit.NANOSECONDS.toMillis(timeoutNanos));
        closeSocket();
        pauseUntil(System.nanoTime() + RETRY_PAUSE_NANOS);
    }

    /** Counts an error (unless the run is stopping: then it is our own close); drops the connection if it is unusable. */
    private void fail(BenchError kind, String detail, boolean dropConnection) {
        if (stopped) {
            return;
        }
        stats.error(kind, id, detail);
        if (dropConnection) {
            // an error, not a wait: the dropped socket's first reply is no longer awaited
            awaitingFirstReplySince = 0;
            closeSocket();
            pauseUntil(System.nanoTime() + RETRY_PAUSE_NANOS);
        }
    }

    private boolean connect() {
        Socket s;
        try {
            s = TcpConnector.connect(plan.target(), plan.timeout(), plan.tls());
        } catch (TcpConnector.ConnectFailedException e) {
            if (!stopped) {
                stats.error(BenchError.CONNECT, id, e.getMessage());
            }
            return false;
        }
        synchronized (this) {
            if (stopped) {
                close(s);
                return false;
            }
            socket = s;
        }
        everConnected = true;
        decoder = plan.framing() == Framing.RAW ? null
                : Framings.decoder(plan.framing(), Math.max(plan.size(), 1 << 20), plan.size());
        bufPos = 0;
        bufLim = 0;
        framesReady = 0;
        wrongFrames = 0;
        socketAnswered = false;
        awaitingFirstReplySince = 0;
        return true;
    }

    private synchronized boolean hasSocket() {
        return socket != null;
    }

    private void pauseUntil(long deadline) {
        long left;
        while (!stopped && (left = deadline - System.nanoTime()) > 0) {
            LockSupport.parkNanos(this, left);
        }
    }

    /** The run is ending: from now on nothing this connection sees is recorded. Before any socket is closed (see BenchRun). */
    void stopping() {
        stopped = true;
    }

    /** Ends the run for this connection: closing the socket also ends a read or write in progress. */
    void stop() {
        stopped = true;
        closeSocket();
        Thread t = thread;
        if (t != null) {
            LockSupport.unpark(t);
        }
    }

    private synchronized void closeSocket() {
        if (socket != null) {
            close(socket);
            socket = null;
        }
    }

    private static void close(Socket s) {
        try {
            s.close();
        } catch (IOException e) {
            // the connection is being dropped either way; nothing the bench could do differently
            LOG.debug("close failed", e);
        }
    }
}
