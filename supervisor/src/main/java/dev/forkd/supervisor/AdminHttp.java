package dev.forkd.supervisor;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * A minimal HTTP/1.1 server for the admin endpoint, one request per connection. Requests are read
 * and responses written without blocking on one selector thread, so a client that sends half a
 * request, or reads no answer, holds no thread: it is closed at its deadline. Only whole requests
 * reach the handler, on a small bounded pool. (com.sun.net.httpserver reads each request on a
 * pool thread with a blocking read: a few half-sent requests held every thread, and its
 * maxReqTime closes the waiting well-formed requests queued behind them too.)
 */
final class AdminHttp implements AutoCloseable {
    private static final Logger LOG = LogManager.getLogger(AdminHttp.class);
    /** The most a request's head and body may take; real admin requests are a few hundred bytes. */
    static final int MAX_REQUEST = 8192;
    /** Connections at once; past that, the oldest one still sending its request is closed. */
    static final int MAX_CONNECTIONS = 64;
    private static final long TICK_MILLIS = 250;

    record Request(String method, String path, String rawQuery, Map<String, String> headers, InetSocketAddress remote) {
        /** The first value of a header, by its lower-case name; null if absent. */
        String header(String lowerCaseName) {
            return headers.get(lowerCaseName);
        }
    }

    record Response(int code, String contentType, byte[] body, Map<String, String> headers) {
        static Response json(int code, String body) {
            return new Response(code, "application/json", body.getBytes(StandardCharsets.UTF_8), Map.of());
        }

        Response with(String name, String value) {
            Map<String, String> h = new LinkedHashMap<>(headers);
            h.put(name, value);
            return new Response(code, contentType, body, h);
        }
    }

    interface Handler {
        Response handle(Request request);
    }

    private enum State { READING, HANDLING, WRITING }

    private static final class Conn {
        final SocketChannel channel;
        final long acceptedNanos;
        SelectionKey key;
        State state = State.READING;
        final ByteBuffer in = ByteBuffer.allocate(MAX_REQUEST);
        ByteBuffer out;
        long deadlineNanos;

        Conn(SocketChannel channel, long now) {
            this.channel = channel;
            this.acceptedNanos = now;
        }
    }

    private final ServerSocketChannel server;
    private final Selector selector;
    private final Handler handler;
    private final long timeoutNanos;
    private final ThreadPoolExecutor pool;
    private final List<Conn> conns = new ArrayList<>();
    private final ConcurrentLinkedQueue<Conn> answered = new ConcurrentLinkedQueue<>();
    private final RateLimitedLog slowClients = new RateLimitedLog(LOG, Level.WARN, 10, TimeUnit.SECONDS);
    private final RateLimitedLog crowded = new RateLimitedLog(LOG, Level.WARN, 10, TimeUnit.SECONDS);
    private final Thread thread;
    private volatile boolean closed;

    /** Binds at once (so that a taken port is a start-up error); serves from {@link #start()}. */
    AdminHttp(InetSocketAddress address, long timeout, TimeUnit unit, int threads, Handler handler) throws IOException {
        this.handler = handler;
        this.timeoutNanos = unit.toNanos(timeout);
        this.server = ServerSocketChannel.open();
        try {
            server.setOption(StandardSocketOptions.SO_REUSEADDR, true);
            server.bind(address, 16);
            server.configureBlocking(false);
            this.selector = Selector.open();
            server.register(selector, SelectionKey.OP_ACCEPT);
        } catch (IOException e) {
            server.close();
            throw e;
        }
        // bounded both ways: a flood of whole requests gets 503, not a growing queue
        this.pool = new ThreadPoolExecutor(threads, threads, 0, TimeUnit.MILLISECONDS, new ArrayBlockingQueue<>(MAX_CONNECTIONS), r -> {
            Thread t = new Thread(r, "admin-handler");
            t.setDaemon(true);
            return t;
        });
        this.thread = new Thread(this::loop, "admin");
        thread.setDaemon(true);
    }

    InetSocketAddress address() {
        try {
            return (InetSocketAddress) server.getLocalAddress();
        } catch (IOException e) {
            throw new IllegalStateException("the admin socket is closed", e);
        }
    }

    void start() {
        thread.start();
    }

    @Override
    public void close() {
        closed = true;
        selector.wakeup();
        try {
            thread.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        pool.shutdownNow();
        try {
            server.close();
            selector.close();
        } catch (IOException e) {
            LOG.debug("admin: closing the socket: {}", e.toString());
        }
    }

    private void loop() {
        try {
            while (!closed) {
                selector.select(TICK_MILLIS);
                long now = System.nanoTime();
                Iterator<SelectionKey> it = selector.selectedKeys().iterator();
                while (it.hasNext()) {
                    SelectionKey k = it.next();
                    it.remove();
                    if (!k.isValid()) {
                        continue;
                    }
                    if (k.isAcceptable()) {
                        accept(now);
                    } else {
                        Conn c = (Conn) k.attachment();
                        try {
                            if (k.isReadable()) {
                                read(c);
                            } else if (k.isWritable()) {
                                write(c);
                            }
                        } catch (IOException e) {
                            LOG.debug("admin: connection failed: {}", e.toString());
                            close(c);
                        }
                    }
                }
                Conn done;
                while ((done = answered.poll()) != null) {
                    startWriting(done, now);
                }
                expire(now);
            }
        } catch (IOException | RuntimeException e) {
            // the endpoint is for operators; its end must not take forkd down, but must be seen
            LOG.error("admin endpoint stopped: {}", e.toString(), e);
        } finally {
            for (Conn c : new ArrayList<>(conns)) {
                close(c);
            }
        }
    }

    private void accept(long now) throws IOException {
        SocketChannel ch;
        while ((ch = server.accept()) != null) {
            if (conns.size() >= MAX_CONNECTIONS && !evictOldestReader()) {
                crowded.log("admin: {} connections at once; closing a new one from {}", MAX_CONNECTIONS, ch.getRemoteAddress());
                ch.close();
                continue;
            }
            ch.configureBlocking(false);
            Conn c = new Conn(ch, now);
            c.deadlineNanos = now + timeoutNanos;
            c.key = ch.register(selector, SelectionKey.OP_READ, c);
            conns.add(c);
        }
    }

    /** Makes room by closing the connection that has been sending its request the longest. */
    private boolean evictOldestReader() {
        Conn oldest = null;
        for (Conn c : conns) {
            if (c.state == State.READING && (oldest == null || c.acceptedNanos - oldest.acceptedNanos < 0)) {
                oldest = c;
            }
        }
        if (oldest == null) {
            return false;
        }
        crowded.log("admin: {} connections at once; closing the oldest unfinished request, from {}", MAX_CONNECTIONS, remote(oldest));
        close(oldest);
        return true;
    }

    private void read(Conn c) throws IOException {
        if (c.channel.read(c.in) < 0) {
            close(c);
            return;
        }
        Parsed p = parse(c.in);
        if (p == null) {
            if (!c.in.hasRemaining()) {
                answerNow(c, Response.json(431, "{\"error\":\"request larger than " + MAX_REQUEST + " bytes\"}"));
            }
            return;
        }
        if (p.error != null) {
            answerNow(c, p.error);
            return;
        }
        c.state = State.HANDLING;
        c.key.interestOps(0);
        Request r = new Request(p.method, p.path, p.rawQuery, p.headers, (InetSocketAddress) c.channel.getRemoteAddress());
        try {
            pool.execute(() -> {
                Response resp;
                try {
                    resp = handler.handle(r);
                } catch (RuntimeException e) {
                    LOG.error("admin request {} {} failed: {}", r.method(), r.path(), e.toString(), e);
                    resp = Response.json(500, "{\"error\":\"internal error\"}");
                }
                c.out = serialise(resp);
                answered.add(c);
                selector.wakeup();
            });
        } catch (RejectedExecutionException e) {
            // every handler busy and the queue full: say so rather than wait
            answerNow(c, Response.json(503, "{\"error\":\"the admin endpoint is busy; try again\"}"));
        }
    }

    private void answerNow(Conn c, Response r) {
        c.out = serialise(r);
        startWriting(c, System.nanoTime());
    }

    private void startWriting(Conn c, long now) {
        if (!c.channel.isOpen()) {
            return;
        }
        c.state = State.WRITING;
        c.deadlineNanos = now + timeoutNanos;
        try {
            write(c);
        } catch (IOException e) {
            LOG.debug("admin: writing the answer failed: {}", e.toString());
            close(c);
        }
    }

    private void write(Conn c) throws IOException {
        c.channel.write(c.out);
        if (c.out.hasRemaining()) {
            c.key.interestOps(SelectionKey.OP_WRITE);
        } else {
            // one request per connection: every answer says Connection: close
            close(c);
        }
    }

    private void expire(long now) {
        for (Conn c : new ArrayList<>(conns)) {
            if (c.state != State.HANDLING && now - c.deadlineNanos >= 0) {
                slowClients.log("admin: closed a connection from {} that {} within {} ms", remote(c),
                        c.state == State.READING ? "did not send a whole request" : "did not read its answer",
                        TimeUnit.NANOSECONDS.toMillis(timeoutNanos));
                close(c);
            }
        }
    }

    private void close(Conn c) {
        conns.remove(c);
        if (c.key != null) {
            c.key.cancel();
        }
        try {
            c.channel.close();
        } catch (IOException e) {
            LOG.debug("admin: close: {}", e.toString());
        }
    }

    private static String remote(Conn c) {
        try {
            return String.valueOf(c.channel.getRemoteAddress());
        } catch (IOException e) {
            return "?";
        }
    }

    /** A whole request, or the error to answer it with. */
    record Parsed(String method, String path, String rawQuery, Map<String, String> headers, Response error) {
        static Parsed bad(int code, String why) {
            return new Parsed(null, null, null, null, Response.json(code, "{\"error\":\"" + why + "\"}"));
        }
    }

    /** Null while the request is incomplete. */
    static Parsed parse(ByteBuffer in) {
        byte[] a = in.array();
        int n = in.position();
        int headEnd = -1;
        for (int i = 3; i < n; i++) {
            if (a[i] == '\n' && a[i - 1] == '\r' && a[i - 2] == '\n' && a[i - 3] == '\r') {
                headEnd = i + 1;
                break;
            }
        }
        if (headEnd < 0) {
            return null;
        }
        String[] lines = new String(a, 0, headEnd - 4, StandardCharsets.ISO_8859_1).split("\r\n", -1);
        String[] start = lines[0].split(" ", -1);
        if (start.length != 3 || !start[2].matches("HTTP/1\\.[01]") || !start[1].startsWith("/")) {
            return Parsed.bad(400, "bad request line");
        }
        URI uri;
        try {
            uri = new URI(start[1]);
        } catch (URISyntaxException e) {
            return Parsed.bad(400, "bad request target");
        }
        Map<String, String> headers = new HashMap<>();
        for (int i = 1; i < lines.length; i++) {
            int colon = lines[i].indexOf(':');
            if (colon <= 0 || lines[i].charAt(0) == ' ' || lines[i].charAt(0) == '\t') {
                return Parsed.bad(400, "bad header line");
            }
            String name = lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT);
            String value = lines[i].substring(colon + 1).trim();
            if (headers.putIfAbsent(name, value) != null && name.equals("host")) {
                return Parsed.bad(400, "more than one Host header");
            }
        }
        if (headers.containsKey("transfer-encoding")) {
            return Parsed.bad(400, "request bodies are not taken here");
        }
        String cl = headers.get("content-length");
        long length = 0;
        if (cl != null) {
            if (!cl.matches("\\d{1,5}")) {
                return Parsed.bad(400, "bad Content-Length");
            }
            length = Long.parseLong(cl);
        }
        if (headEnd + length > MAX_REQUEST) {
            return Parsed.bad(413, "request larger than " + MAX_REQUEST + " bytes");
        }
        if (n < headEnd + length) {
            return null;
        }
        return new Parsed(start[0], uri.getPath(), uri.getRawQuery() == null ? "" : uri.getRawQuery(), headers, null);
    }

    private static ByteBuffer serialise(Response r) {
        StringBuilder head = new StringBuilder();
        head.append("HTTP/1.1 ").append(r.code()).append(' ').append(reason(r.code())).append("\r\n");
        head.append("Content-Type: ").append(r.contentType()).append("\r\n");
        head.append("Content-Length: ").append(r.body().length).append("\r\n");
        head.append("Connection: close\r\n");
        r.headers().forEach((k, v) -> head.append(k).append(": ").append(v).append("\r\n"));
        head.append("\r\n");
        byte[] h = head.toString().getBytes(StandardCharsets.ISO_8859_1);
        ByteBuffer b = ByteBuffer.allocate(h.length + r.body().length);
        b.put(h).put(r.body()).flip();
        return b;
    }

    private static String reason(int code) {
        return switch (code) {
            case 200 -> "OK";
            case 202 -> "Accepted";
            case 400 -> "Bad Request";
            case 401 -> "Unauthorized";
            case 403 -> "Forbidden";
            case 404 -> "Not Found";
            case 405 -> "Method Not Allowed";
            case 409 -> "Conflict";
            case 413 -> "Content Too Large";
            case 431 -> "Request Header Fields Too Large";
            case 503 -> "Service Unavailable";
            default -> "Status";
        };
    }
}
