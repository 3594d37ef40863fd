package dev.forkd.it;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/** A blocking TCP client for tests, with reads bounded by a timeout. */
final class Client implements AutoCloseable {
    static final Duration REPLY_TIMEOUT = Duration.ofSeconds(20);

    final Socket socket;
    private final InputStream in;
    private final OutputStream out;

    Client(String host, int port) throws IOException {
        socket = new Socket();
        socket.connect(new InetSocketAddress(host, port), 10_000);
        socket.setTcpNoDelay(true);
        socket.setSoTimeout((int) REPLY_TIMEOUT.toMillis());
        in = socket.getInputStream();
        out = socket.getOutputStream();
    }

    Client(int port) throws IOException {
        this("127.0.0.1", port);
    }

    int localPort() {
        return socket.getLocalPort();
    }

    void send(String text) throws IOException {
        send(text.getBytes(StandardCharsets.UTF_8));
    }

    void send(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
    }

    /** Reads exactly {@code n} bytes; TCP may split them across any number of reads. */
    byte[] read(int n) throws IOException {
        byte[] b = in.readNBytes(n);
        if (b.length < n) {
            throw new IOException("connection closed after " + b.length + " of " + n + " bytes");
        }
        return b;
    }

    String readString(int n) throws IOException {
        return new String(read(n), StandardCharsets.UTF_8);
    }

    /** Sends {@code text} and returns the reply of the same length. */
    String roundTrip(String text) throws IOException {
        send(text);
        return readString(text.getBytes(StandardCharsets.UTF_8).length);
    }

    /** Reads up to the next newline, which is dropped; fails if the connection ends first. */
    String readLine() throws IOException {
        return readLine(in);
    }

    /** Reads up to the next newline of {@code in}, which is dropped; fails if the stream ends first. */
    static String readLine(InputStream in) throws IOException {
        java.io.ByteArrayOutputStream line = new java.io.ByteArrayOutputStream();
        int b;
        while ((b = in.read()) != '\n') {
            if (b < 0) {
                throw new IOException("connection ended before the reply's newline; got '" + line.toString(StandardCharsets.UTF_8) + "'");
            }
            line.write(b);
        }
        return line.toString(StandardCharsets.UTF_8);
    }

    /** Sends one line and returns the one-line reply, without its newline. */
    String ask(String line) throws IOException {
        send(line + "\n");
        return readLine();
    }

    /** True if a read within {@code timeout} shows that the connection ended (EOF or reset). */
    boolean endsWithin(Duration timeout) throws IOException {
        socket.setSoTimeout((int) timeout.toMillis());
        try {
            return in.read() < 0;
        } catch (SocketTimeoutException e) {
            return false;
        } catch (IOException e) {
            return true;
        } finally {
            if (!socket.isClosed()) {
                socket.setSoTimeout((int) REPLY_TIMEOUT.toMillis());
            }
        }
    }

    /** True if nothing at all arrives within {@code timeout} (the connection stays open and silent). */
    boolean silentFor(Duration timeout) throws IOException {
        socket.setSoTimeout((int) timeout.toMillis());
        try {
            in.read();
            return false;
        } catch (SocketTimeoutException e) {
            return true;
        } finally {
            socket.setSoTimeout((int) REPLY_TIMEOUT.toMillis());
        }
    }

    void shutdownOutput() throws IOException {
        socket.shutdownOutput();
    }

    InputStream input() {
        return in;
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
