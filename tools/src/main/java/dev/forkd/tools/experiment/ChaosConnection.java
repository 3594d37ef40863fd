package dev.forkd.tools.experiment;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import dev.forkd.tools.tls.ClientTls;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/** A client connection speaking the chaos handler's protocol: one request line, one reply line. */
final class ChaosConnection implements AutoCloseable {
    /** Replies are a pid, an echo or an error message; anything longer is not the chaos handler. */
    static final int MAX_LINE = 8192;

    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;

    private ChaosConnection(Socket socket) throws IOException {
        this.socket = socket;
        this.in = new BufferedInputStream(socket.getInputStream());
        this.out = socket.getOutputStream();
    }

    /** @param tls null: plain TCP; else the TLS handshake within {@code connectTimeout} too */
    static ChaosConnection open(InetSocketAddress address, Duration connectTimeout, Duration readTimeout, ClientTls tls) throws IOException {
        Socket s = new Socket();
        try {
            s.setTcpNoDelay(true);
            s.connect(address, (int) connectTimeout.toMillis());
            if (tls != null) {
                s = tls.handshake(s, address, connectTimeout);
            }
            s.setSoTimeout((int) readTimeout.toMillis());
            return new ChaosConnection(s);
        } catch (IOException e) {
            s.close();
            throw e;
        }
    }

    void send(String line) throws IOException {
        out.write((line + "\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    /** The next reply line without its line end; EOFException if the connection ended first. */
    String readLine() throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        while (true) {
            int b = in.read();
            if (b < 0) {
                throw new EOFException(line.size() == 0 ? "connection closed" : "connection closed in the middle of a reply");
            }
            if (b == '\n') {
                String s = line.toString(StandardCharsets.UTF_8);
                return s.endsWith("\r") ? s.substring(0, s.length() - 1) : s;
            }
            if (line.size() >= MAX_LINE) {
                throw new IOException("reply longer than " + MAX_LINE + " bytes");
            }
            line.write(b);
        }
    }

    String ask(String line) throws IOException {
        send(line);
        return readLine();
    }

    /** The reply to {@code pid}, as a number. */
    long askPid() throws IOException {
        return parsePid(ask("pid"));
    }

    static long parsePid(String reply) throws IOException {
        try {
            return Long.parseLong(reply.trim());
        } catch (NumberFormatException e) {
            throw new IOException("'" + reply + "' is not a pid", e);
        }
    }

    int localPort() {
        return socket.getLocalPort();
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
