package dev.forkd.it;

import dev.forkd.shared.Heartbeat;
import dev.forkd.shared.framing.FrameDecoder;
import dev.forkd.shared.framing.FrameEncoder;
import dev.forkd.shared.framing.Framing;
import dev.forkd.shared.framing.FramingException;
import dev.forkd.shared.framing.Framings;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * A small in-test TCP server that speaks forkd's framings with the shared codecs, for testing
 * the framed paths of {@code forkd client} and {@code forkd bench} while the real workers
 * cannot be started with {@code --framing}: it answers each frame (upper-cased, echoed, with an
 * error message, or not at all) and each ping with a pong (padded in fixed framing, as the worker
 * does), and counts the pings. A thread per connection.
 */
public final class FramedServer implements AutoCloseable {
    /** How the server answers a data frame; UPPER_ONCE: the first frame of each connection upper-cased, then nothing (a server that hangs mid-connection). */
    public enum Reply { UPPER, ECHO, ERROR, NONE, UPPER_ONCE }

    private static final int MAX_FRAME = 1 << 20;

    private final ServerSocket server;
    private final Framing framing;
    private final int fixedSize;
    private final Reply reply;
    /** After this many replies on a connection, close it in an orderly way; -1: never. */
    private final int closeAfter;
    /** Connections served at once, like a prefork forkd's workers; the others are accepted and wait for a slot. */
    private final Semaphore slots;
    private final Thread acceptor;
    private final List<Socket> sockets = new ArrayList<>();
    private final List<Thread> threads = new ArrayList<>();
    private int pings;
    private int frames;
    private volatile boolean closed;

    private FramedServer(Framing framing, int fixedSize, Reply reply, int closeAfter, int servedAtOnce) throws IOException {
        this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        this.framing = framing;
        this.fixedSize = fixedSize;
        this.reply = reply;
        this.closeAfter = closeAfter;
        this.slots = new Semaphore(servedAtOnce);
        this.acceptor = new Thread(this::accept, "framed-server-accept");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    public static FramedServer start(Framing framing) throws IOException {
        return new FramedServer(framing, 0, Reply.UPPER, -1, Integer.MAX_VALUE);
    }

    public static FramedServer start(Framing framing, int fixedSize, Reply reply, int closeAfter) throws IOException {
        return new FramedServer(framing, fixedSize, reply, closeAfter, Integer.MAX_VALUE);
    }

    /** Serves at most {@code servedAtOnce} connections at a time, in the order they get a slot; the rest wait, connected. */
    public static FramedServer start(Framing framing, int fixedSize, Reply reply, int closeAfter, int servedAtOnce) throws IOException {
        return new FramedServer(framing, fixedSize, reply, closeAfter, servedAtOnce);
    }

    public int port() {
        return server.getLocalPort();
    }

    public synchronized int pings() {
        return pings;
    }

    public synchronized int frames() {
        return frames;
    }

    /** Waits until at least {@code n} pings have arrived; false at the deadline. */
    public synchronized boolean awaitPings(int n, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        long left;
        while (pings < n && (left = deadline - System.nanoTime()) > 0) {
            TimeUnit.NANOSECONDS.timedWait(this, left);
        }
        return pings >= n;
    }

    private void accept() {
        while (!closed) {
            try {
                Socket s = server.accept();
                s.setTcpNoDelay(true);
                Thread t = new Thread(() -> serve(s), "framed-server-conn");
                t.setDaemon(true);
                synchronized (this) {
                    sockets.add(s);
                    threads.add(t);
                }
                t.start();
            } catch (IOException e) {
                if (!closed) {
                    System.err.println("[framed-server] accept failed: " + e);
                }
                return;
            }
        }
    }

    private void serve(Socket s) {
        try {
            while (!slots.tryAcquire(50, TimeUnit.MILLISECONDS)) {
                if (closed || s.isClosed()) {
                    return;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        }
        try {
            serveInSlot(s);
        } finally {
            slots.release();
        }
    }

    private void serveInSlot(Socket s) {
        FrameDecoder decoder = Framings.decoder(framing, MAX_FRAME, fixedSize);
        FrameEncoder encoder = Framings.encoder(framing, fixedSize);
        int[] replies = {0};
        byte[] buf = new byte[64 * 1024];
        try (s) {
            InputStream in = s.getInputStream();
            OutputStream out = s.getOutputStream();
            int n;
            while ((n = in.read(buf)) >= 0) {
                if (closeAfter >= 0 && replies[0] >= closeAfter) {
                    continue; // output already shut down: drain until the client closes
                }
                decoder.decode(ByteBuffer.wrap(buf, 0, n), frame -> {
                    if (closeAfter >= 0 && replies[0] >= closeAfter || reply == Reply.UPPER_ONCE && replies[0] >= 1) {
                        return;
                    }
                    ByteBuffer answer = answer(frame);
                    if (answer != null) {
                        for (ByteBuffer b : encoder.encode(answer)) {
                            byte[] bytes = new byte[b.remaining()];
                            b.get(bytes);
                            out.write(bytes);
                        }
                        out.flush();
                        replies[0]++;
                        if (closeAfter >= 0 && replies[0] >= closeAfter) {
                            // an orderly close (FIN, not RST): the client sees end of stream
                            s.shutdownOutput();
                        }
                    }
                });
            }
        } catch (IOException | FramingException e) {
            if (!closed) {
                System.err.println("[framed-server] connection: " + e);
            }
        }
    }

    private ByteBuffer answer(ByteBuffer frame) {
        if (framing != Framing.RAW && Heartbeat.classify(framing, frame) == Heartbeat.Kind.PING) {
            synchronized (this) {
                pings++;
                notifyAll();
            }
            return pad(Heartbeat.pong());
        }
        synchronized (this) {
            frames++;
        }
        byte[] bytes = new byte[frame.remaining()];
        frame.get(bytes);
        switch (reply) {
            case UPPER:
            case UPPER_ONCE:
                // ASCII letters only, as forkd's upper handler: every other byte is left as it is
                for (int i = 0; i < bytes.length; i++) {
                    if (bytes[i] >= 'a' && bytes[i] <= 'z') {
                        bytes[i] -= 'a' - 'A';
                    }
                }
                return ByteBuffer.wrap(bytes);
            case ECHO:
                return ByteBuffer.wrap(bytes);
            case ERROR:
                return pad(Heartbeat.error("this server only complains"));
            default:
                return null;
        }
    }

    private ByteBuffer pad(ByteBuffer b) {
        if (framing != Framing.FIXED) {
            return b;
        }
        ByteBuffer record = ByteBuffer.allocate(fixedSize);
        while (record.hasRemaining() && b.hasRemaining()) {
            record.put(b.get());
        }
        while (record.hasRemaining()) {
            record.put((byte) ' ');
        }
        return record.flip();
    }

    @Override
    public void close() throws IOException {
        closed = true;
        server.close();
        List<Socket> open;
        List<Thread> running;
        synchronized (this) {
            open = new ArrayList<>(sockets);
            running = new ArrayList<>(threads);
        }
        for (Socket s : open) {
            s.close();
        }
        try {
            acceptor.join(5000);
            for (Thread t : running) {
                t.join(5000);
            }
        } catch (InterruptedException e) {
            // the sockets are closed, so the threads are ending; keep the interrupt for the caller
            Thread.currentThread().interrupt();
        }
    }
}
