package dev.forkd.api;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.util.Optional;

/**
 * A client connection as a {@link StreamHandler} sees it: two blocking streams and what forkd
 * knows of the client. The streams carry the client's bytes unchanged: the PROXY header the
 * supervisor sends first is already read (its facts are below), and any client bytes that came
 * with it are the first the input returns.
 *
 * <p><b>Threads.</b> {@link #input()} is for one reader at a time, {@link #output()} for one
 * writer at a time; the two may be used from different threads at once (a reader thread and a
 * writer thread), as with a {@link java.net.Socket}'s streams. Each {@code write} call is written
 * whole before another thread's {@code write} starts.
 */
public interface StreamConnection {

    /**
     * This connection's number: unique within this worker, increasing; forkd's log lines about
     * this connection name it.
     *
     * @return the connection id
     */
    long id();

    /**
     * The client's address, from the PROXY header the supervisor sends (behind a trusted proxy
     * with {@code --accept-proxy}, the real client's).
     *
     * @return the address, or null when the header gave none
     */
    InetSocketAddress clientAddress();

    /**
     * The address the client connected to: the supervisor's listener, or what a trusted proxy
     * said the client connected to.
     *
     * @return the address, or null when the header gave none
     */
    InetSocketAddress localAddress();

    /**
     * What the supervisor knows of the client's TLS connection when it terminated TLS for it
     * (version, cipher, client certificate, ALPN, SNI); empty for a plain TCP client. The streams
     * carry the decrypted bytes.
     *
     * @return the TLS facts, or empty
     */
    Optional<TlsInfo> tls();

    /**
     * The client's bytes. Buffered (one read of up to {@code --buffer-size} bytes from the
     * supervisor at a time; larger reads go straight into the caller's array), so reading byte by
     * byte costs no system call per byte. A read blocks until bytes arrive.
     *
     * <p>End of stream ({@code -1}) means the client shut down its sending side (a half-close:
     * it may still be reading, so the handler can still answer), or the connection ended (the
     * client went away, or forkd closed it for {@code --idle-timeout}; a write then fails).
     * Closing this stream only ends reading through it (a read then throws); the connection and
     * the output stay open, and what the client sends from then on is not read. The same object
     * is returned every time.
     *
     * @return the connection's input
     */
    InputStream input();

    /**
     * The bytes to the client. Not buffered: each {@code write(byte[], int, int)} is handed to
     * the kernel before it returns (blocking while the client does not read: backpressure), so
     * {@code flush()} has nothing to do. {@code write(int)} sends one byte per call: wrap the
     * stream in a {@link java.io.BufferedOutputStream} (and flush it) for code that writes
     * piecemeal, such as a {@link java.io.DataOutputStream}.
     *
     * <p>Closing this stream is a half-close: the client sees end of stream after everything
     * written so far, and the input can still be read (what the client has sent, and what it
     * sends until it closes). forkd takes the end of the output as the end of this connection's
     * work, as it does for a message handler's close: the worker counts as free for the next client
     * from then on (in a one-connection-at-a-time model that client waits until {@code handle}
     * returns), so return soon after. A write to a client that has gone fails with an
     * {@link java.io.IOException}. The same object is returned every time.
     *
     * @return the connection's output
     */
    OutputStream output();

    /**
     * Closes the connection in both directions now; a blocked read or write on another thread
     * fails. forkd does this itself when {@link StreamHandler#handle} returns or throws.
     */
    void close();

    /**
     * Whether the connection is still open.
     *
     * @return false once it is closed (by {@link #close()}, or because {@code handle} ended)
     */
    boolean isOpen();
}
