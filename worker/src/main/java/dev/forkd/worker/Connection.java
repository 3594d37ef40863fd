package dev.forkd.worker;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.Optional;

/** A client connection as a {@link Handler} sees it. */
public interface Connection {

    /** Unique within this worker, increasing. */
    long id();

    /** The client's address from the PROXY header, or null when the proxy did not give one. */
    InetSocketAddress clientAddress();

    /** The address the client connected to (the supervisor's listener), or null. */
    InetSocketAddress localAddress();

    /**
     * What the supervisor knows of the client's TLS connection when it terminated TLS for it
     * (version, cipher, client certificate, ALPN, SNI); empty for a plain TCP client.
     */
    default Optional<TlsInfo> tls() {
        return Optional.empty();
    }

    /** Sends {@code message} to the client, blocking until the kernel has taken all of it. */
    void reply(ByteBuffer message) throws IOException;

    /** Closes the connection after what was replied so far; further replies fail. */
    void close();

    boolean isOpen();
}
