package dev.forkd.tools.client;

import dev.forkd.tools.tls.ClientTls;
import dev.forkd.shared.Heartbeat;
import dev.forkd.shared.framing.FrameDecoder;
import dev.forkd.shared.framing.FrameTooLargeException;
import dev.forkd.shared.framing.Framing;
import dev.forkd.shared.framing.FramingException;
import dev.forkd.shared.framing.Framings;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * One {@code forkd client} connection: a thread sends the input lines, another prints the
 * replies as they come, and in framed modes a third sends heartbeat pings. The calling thread
 * waits for the outcome: success when the input has ended and (line, length, fixed) every message
 * has had its reply or (raw, json) the server has closed after our half-close; failure as soon as
 * the connection breaks. In json a message may get no reply or many (a chat room's), so only the
 * server knows when the conversation is over.
 */
final class ClientSession {
    private static final Logger LOG = LogManager.getLogger(ClientSession.class);
    static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);
    private static final long JOIN_MILLIS = 5000;

    /** The session ended badly; the message is one line fit for a user. */
    static final class ClientFailure extends Exception {
        private static final long serialVersionUID = 1L;

        ClientFailure(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private final ServerAddress target;
    private final Framing framing;
    private final int maxFrame;
    private final int fixedSize;
    private final Duration heartbeat;
    private final InputStream stdin;
    private final PrintWriter out;
    private final PrintWriter err;

    private final LineMessages messages;
    /** Used by the reply thread only. */
    private final ReplyPrinter printer;
    private final ReplyTracker tracker = new ReplyTracker();
    /** Completed once, by whichever thread first knows how the session ends. */
    private final CompletableFuture<Void> outcome = new CompletableFuture<>();
    /** Raw and json: the end of input half-closes, and the session ends when the server closes. */
    private final boolean endsWithServer;
    /** Set before our half-close, so that the server's close that follows is the normal end. */
    private volatile boolean halfClosed;
    private volatile long skippedLines;

    private Socket socket;
    private final ClientTls tls;
    private OutputStream toServer;

    ClientSession(ServerAddress target, Framing framing, int maxFrame, int fixedSize, Duration heartbeat,
            InputStream stdin, PrintWriter out, PrintWriter err) {
        this(target, framing, maxFrame, fixedSize, heartbeat, stdin, out, err, null);
    }

    /** @param tls null: plain TCP */
    ClientSession(ServerAddress target, Framing framing, int maxFrame, int fixedSize, Duration heartbeat,
            InputStream stdin, PrintWriter out, PrintWriter err, ClientTls tls) {
        this.tls = tls;
        this.target = target;
        this.framing = framing;
        this.maxFrame = maxFrame;
        this.fixedSize = fixedSize;
        this.heartbeat = heartbeat;
        this.stdin = stdin;
        this.out = out;
        this.err = err;
        this.messages = new LineMessages(framing, fixedSize);
        this.endsWithServer = framing == Framing.RAW || framing == Framing.JSON;
        this.printer = new ReplyPrinter(framing, out);
    }

    /**
     * Runs the session to its end.
     *
     * @return the number of input lines that could not be sent (each already reported on stderr)
     * @throws ClientFailure if the server cannot be reached or the connection breaks
     */
    long run() throws ClientFailure, InterruptedException {
        try {
            socket = TcpConnector.connect(target, CONNECT_TIMEOUT, tls);
        } catch (TcpConnector.ConnectFailedException e) {
            LOG.debug("connect failed", e);
            throw new ClientFailure(e.getMessage(), e);
        }
        ScheduledExecutorService pinger = null;
        Thread reader = null;
        try {
            toServer = new BufferedOutputStream(socket.getOutputStream());
            reader = start("forkd-client-replies", this::receive);
            // a daemon: a read of System.in cannot be interrupted, and must not keep the JVM alive
            start("forkd-client-input", this::send);
            pinger = startHeartbeat();
            outcome.get();
            return skippedLines;
        } catch (IOException e) {
            throw new ClientFailure("connection to " + target + " failed: " + e.getMessage(), e);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof ClientFailure) {
                throw (ClientFailure) cause;
            }
            throw new IllegalStateException("unexpected failure in forkd client", cause);
        } finally {
            if (pinger != null) {
                pinger.shutdownNow();
            }
            close();
            if (reader != null) {
                reader.join(JOIN_MILLIS);
            }
        }
    }

    private static Thread start(String name, Runnable task) {
        Thread t = new Thread(task, name);
        t.setDaemon(true);
        t.start();
        return t;
    }

    private ScheduledExecutorService startHeartbeat() {
        if (framing == Framing.RAW || heartbeat.isZero()) {
            return null;
        }
        ByteBuffer[] probe = messages.ping();
        if (probe == null) {
            LOG.warn("heartbeat off: a ping does not fit a {}-byte record", fixedSize);
            return null;
        }
        ScheduledExecutorService pinger = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "forkd-client-heartbeat");
            t.setDaemon(true);
            return t;
        });
        long every = heartbeat.toNanos();
        pinger.scheduleWithFixedDelay(this::ping, every, every, TimeUnit.NANOSECONDS);
        return pinger;
    }

    /** Background task: catches everything, since an exception would silently cancel the schedule. */
    private void ping() {
        try {
            synchronized (this) {
                if (halfClosed) {
                    return; // our side is shut: the server closes soon, and no heartbeat can be sent
                }
                write(messages.ping());
            }
            LOG.debug("ping sent");
        } catch (IOException e) {
            lost(e);
        } catch (RuntimeException e) {
            LOG.error("heartbeat failed", e);
            outcome.completeExceptionally(new ClientFailure("heartbeat failed: " + e, e));
        }
    }

    /** The input thread: each line becomes one message. */
    private void send() {
        InputLines lines = new InputLines(stdin);
        long lineNumber = 0;
        try {
            byte[] line;
            while ((line = lines.next()) != null && !outcome.isDone()) {
                lineNumber++;
                ByteBuffer[] message;
                try {
                    message = messages.encode(line);
                    if (message == null) {
                        continue; // a blank line in json: nothing to send
                    }
                } catch (IllegalArgumentException e) {
                    // skipped rather than fatal: in an interactive session a typo should not end it
                    err.println("forkd client: line " + lineNumber + " not sent: " + e.getMessage());
                    err.flush();
                    skippedLines++;
                    continue;
                }
                if (framing != Framing.RAW) {
                    tracker.sent(messages.isPing(line));
                }
                write(message);
            }
        } catch (SocketWriteException e) {
            if (outcome.isDone()) {
                LOG.debug("input thread stopped: {}", e.toString());
            } else {
                lost(e);
            }
            return;
        } catch (IOException e) {
            outcome.completeExceptionally(new ClientFailure("cannot read standard input: " + e.getMessage(), e));
            return;
        } catch (RuntimeException e) {
            LOG.error("input thread failed", e);
            outcome.completeExceptionally(new ClientFailure("internal error: " + e, e));
            return;
        }
        endOfInput();
    }

    private void endOfInput() {
        if (endsWithServer) {
            try {
                synchronized (this) {
                    halfClosed = true;
                    toServer.flush();
                    socket.shutdownOutput();
                }
                LOG.debug("input ended: half-closed, printing until the server closes");
            } catch (IOException e) {
                lost(e);
            }
        } else if (tracker.inputEnded()) {
            outcome.complete(null);
        } else {
            LOG.debug("input ended: waiting for {} reply(ies)", tracker.outstanding());
        }
    }

    /** Marks an IOException from writing to the server, to tell it from a failure to read stdin. */
    private static final class SocketWriteException extends IOException {
        private static final long serialVersionUID = 1L;

        SocketWriteException(IOException cause) {
            super(cause.getMessage(), cause);
        }
    }

    /** Writes one whole message; the input and heartbeat threads take turns, never interleaving bytes. */
    private synchronized void write(ByteBuffer[] message) throws SocketWriteException {
        try {
            for (ByteBuffer b : message) {
                if (b.hasArray()) {
                    toServer.write(b.array(), b.arrayOffset() + b.position(), b.remaining());
                    b.position(b.limit());
                } else {
                    byte[] copy = new byte[b.remaining()];
                    b.get(copy);
                    toServer.write(copy);
                }
            }
            toServer.flush();
        } catch (IOException e) {
            throw new SocketWriteException(e);
        }
    }

    /** One framed reply: printed unless it answers a heartbeat of ours. */
    private void onReply(ByteBuffer frame) {
        if (Heartbeat.classify(framing, frame) == Heartbeat.Kind.PONG && !tracker.claimPong()) {
            return; // the answer to a heartbeat: not the user's business
        }
        printer.frame(frame);
        if (tracker.replied() && !endsWithServer) {
            outcome.complete(null);
        }
    }

    /** The reply thread: prints until the server closes or the session ends. */
    private void receive() {
        FrameDecoder decoder = framing == Framing.RAW ? null : Framings.decoder(framing, maxFrame, fixedSize);
        byte[] buf = new byte[64 * 1024];
        try {
            InputStream in = socket.getInputStream();
            while (true) {
                int n = in.read(buf);
                if (n < 0) {
                    serverClosed(decoder);
                    printer.finish();
                    return;
                }
                ByteBuffer chunk = ByteBuffer.wrap(buf, 0, n);
                if (decoder == null) {
                    printer.raw(chunk);
                } else {
                    decoder.decode(chunk, this::onReply);
                }
            }
        } catch (IOException e) {
            printer.finish();
            if (outcome.isDone()) {
                LOG.debug("reply thread stopped: {}", e.toString());
            } else {
                lost(e);
            }
        } catch (FramingException e) {
            outcome.completeExceptionally(new ClientFailure("bad reply from " + target + ": " + e.getMessage()
                    + (e instanceof FrameTooLargeException ? " (see --max-frame)" : ""), e));
        } catch (RuntimeException e) {
            LOG.error("reply thread failed", e);
            outcome.completeExceptionally(new ClientFailure("internal error: " + e, e));
        }
    }

    private void serverClosed(FrameDecoder decoder) {
        if (decoder != null) {
            // in json, a number that ends the stream is a reply
            int partial = decoder.finish(this::onReply);
            if (partial > 0) {
                LOG.debug("server closed in the middle of a reply ({} bytes dropped)", partial);
            }
        }
        if (endsWithServer && halfClosed) {
            outcome.complete(null);
            return;
        }
        outcome.completeExceptionally(new ClientFailure("server closed the connection", null));
    }

    private void lost(IOException e) {
        LOG.debug("connection lost", e);
        Throwable cause = e instanceof SocketWriteException ? e.getCause() : e;
        outcome.completeExceptionally(new ClientFailure("connection to " + target + " lost: " + cause.getMessage(), e));
    }

    private void close() {
        try {
            socket.close();
        } catch (IOException e) {
            // nothing is left to do with this connection; the outcome is already decided
            LOG.debug("close failed", e);
        }
    }
}
