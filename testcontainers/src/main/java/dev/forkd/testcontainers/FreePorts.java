package dev.forkd.testcontainers;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;

/**
 * Ports for forkd on the host's network: each one asked for (non-zero) as it is, each zero a port
 * free on loopback now. Both sockets are open at once, so the two picks differ. Another process may
 * still take a port before forkd binds it: forkd then exits 4 ("address in use") and the start fails
 * with that in its log.
 */
final class FreePorts {
    private FreePorts() {
    }

    static int[] loopback(int client, int admin) {
        try (ServerSocket a = open(client); ServerSocket b = open(admin)) {
            return new int[] {client != 0 ? client : a.getLocalPort(), admin != 0 ? admin : b.getLocalPort()};
        } catch (IOException e) {
            throw new UncheckedIOException("cannot find a free loopback port for forkd", e);
        }
    }

    /** A socket on a free port for 0; none (null) for a port given. */
    private static ServerSocket open(int port) throws IOException {
        return port != 0 ? null : new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
    }
}
