package dev.forkd.worker.handlers;

import dev.forkd.api.Connection;
import dev.forkd.api.Handler;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * A minimal HTTP/1.1 responder, so that wrk, curl and ab can drive forkd: every GET (or HEAD) gets
 * 200 and a short body, with keep-alive unless the client asks to close (or speaks HTTP/1.0
 * without keep-alive). Pipelined requests are answered in order. Request heads are bounded
 * (8 KiB → 431) and bodies are skipped up to 1 MiB (more → 413); anything unparsable → 400. Each
 * error closes the connection. Runs in raw framing, where a message is whatever one read returned.
 */
final class HttpHelloHandler implements Handler {
    static final int MAX_HEAD = 8192;
    static final long MAX_BODY = 1 << 20;
    static final byte[] BODY = "Hello from forkd\n".getBytes(StandardCharsets.US_ASCII);

    private static final byte[] OK_KEEP_ALIVE = response("200 OK", BODY, null, true);
    private static final byte[] OK_CLOSE = response("200 OK", BODY, "close", true);
    private static final byte[] HEAD_KEEP_ALIVE = response("200 OK", BODY, null, false);
    private static final byte[] HEAD_CLOSE = response("200 OK", BODY, "close", false);
    // an HTTP/1.0 client keeps the connection only when told so (ab -k waits for a close otherwise)
    private static final byte[] OK_KEEP_ALIVE_10 = response("200 OK", BODY, "keep-alive", true);
    private static final byte[] HEAD_KEEP_ALIVE_10 = response("200 OK", BODY, "keep-alive", false);

    private final byte[] head = new byte[MAX_HEAD];
    private int headLength;
    private long bodyToSkip;

    @Override
    public void onMessage(Connection c, ByteBuffer message) throws Exception {
        while (message.hasRemaining() && c.isOpen()) {
            if (bodyToSkip > 0) {
                int n = (int) Math.min(bodyToSkip, message.remaining());
                message.position(message.position() + n);
                bodyToSkip -= n;
                continue;
            }
            if (headLength == MAX_HEAD) {
                fail(c, "431 Request Header Fields Too Large");
                return;
            }
            head[headLength++] = message.get();
            if (headLength >= 4 && head[headLength - 1] == '\n' && head[headLength - 2] == '\r'
                    && head[headLength - 3] == '\n' && head[headLength - 4] == '\r') {
                String text = new String(head, 0, headLength, StandardCharsets.ISO_8859_1);
                headLength = 0;
                answer(c, text);
            } else if (headLength == 2 && head[0] == '\r' && head[1] == '\n') {
                // a stray CRLF between requests is allowed (RFC 9112, 2.2)
                headLength = 0;
            }
        }
    }

    private void answer(Connection c, String text) throws Exception {
        String[] lines = text.split("\r\n");
        String[] requestLine = lines[0].split(" ");
        if (requestLine.length != 3 || !requestLine[2].startsWith("HTTP/1.")) {
            fail(c, "400 Bad Request");
            return;
        }
        String method = requestLine[0];
        boolean http11 = requestLine[2].equals("HTTP/1.1");
        boolean keepAlive = http11;
        long contentLength = 0;
        for (int i = 1; i < lines.length; i++) {
            int colon = lines[i].indexOf(':');
            if (colon <= 0) {
                fail(c, "400 Bad Request");
                return;
            }
            String name = lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT);
            String value = lines[i].substring(colon + 1).trim().toLowerCase(Locale.ROOT);
            switch (name) {
                case "connection":
                    if (value.contains("close")) {
                        keepAlive = false;
                    } else if (value.contains("keep-alive")) {
                        keepAlive = true;
                    }
                    break;
                case "content-length":
                    try {
                        contentLength = Long.parseLong(value);
                    } catch (NumberFormatException e) {
                        fail(c, "400 Bad Request");
                        return;
                    }
                    if (contentLength < 0) {
                        fail(c, "400 Bad Request");
                        return;
                    }
                    break;
                case "transfer-encoding":
                    fail(c, "501 Not Implemented");
                    return;
                default:
                    break;
            }
        }
        if (contentLength > MAX_BODY) {
            fail(c, "413 Content Too Large");
            return;
        }
        bodyToSkip = contentLength;
        if (method.equals("GET")) {
            c.reply(ByteBuffer.wrap(!keepAlive ? OK_CLOSE : http11 ? OK_KEEP_ALIVE : OK_KEEP_ALIVE_10));
        } else if (method.equals("HEAD")) {
            c.reply(ByteBuffer.wrap(!keepAlive ? HEAD_CLOSE : http11 ? HEAD_KEEP_ALIVE : HEAD_KEEP_ALIVE_10));
        } else {
            byte[] body = "only GET and HEAD are served here\n".getBytes(StandardCharsets.US_ASCII);
            c.reply(ByteBuffer.wrap(response("405 Method Not Allowed\r\nAllow: GET, HEAD", body, "close", true)));
            c.close();
            return;
        }
        if (!keepAlive) {
            c.close();
        }
    }

    private static void fail(Connection c, String status) throws Exception {
        byte[] body = (status.substring(4) + "\n").getBytes(StandardCharsets.US_ASCII);
        c.reply(ByteBuffer.wrap(response(status, body, "close", true)));
        c.close();
    }

    /** @param connection the Connection header's value, or null for none (HTTP/1.1's default: keep-alive) */
    private static byte[] response(String status, byte[] body, String connection, boolean withBody) {
        String headers = "HTTP/1.1 " + status + "\r\n"
                + "Content-Type: text/plain; charset=utf-8\r\n"
                + "Content-Length: " + body.length + "\r\n"
                + (connection == null ? "" : "Connection: " + connection + "\r\n")
                + "\r\n";
        byte[] h = headers.getBytes(StandardCharsets.US_ASCII);
        if (!withBody) {
            return h;
        }
        byte[] all = new byte[h.length + body.length];
        System.arraycopy(h, 0, all, 0, h.length);
        System.arraycopy(body, 0, all, h.length, body.length);
        return all;
    }
}
