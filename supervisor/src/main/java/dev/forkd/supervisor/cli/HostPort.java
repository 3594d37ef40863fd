package dev.forkd.supervisor.cli;

import java.net.InetSocketAddress;

/** Parses {@code HOST:PORT}, {@code [IPv6]:PORT} or {@code :PORT} (then the default host). */
public final class HostPort {
    private HostPort() {
    }

    public static InetSocketAddress parse(String text, String defaultHost) {
        String host;
        String port;
        if (text.startsWith("[")) {
            int end = text.indexOf("]:");
            if (end < 0) {
                throw new IllegalArgumentException("'" + text + "' is not [IPv6]:PORT");
            }
            host = text.substring(1, end);
            port = text.substring(end + 2);
        } else {
            int colon = text.lastIndexOf(':');
            if (colon < 0 || text.indexOf(':') != colon) {
                throw new IllegalArgumentException("'" + text + "' is not HOST:PORT (write IPv6 as [::1]:PORT)");
            }
            host = colon == 0 ? defaultHost : text.substring(0, colon);
            port = text.substring(colon + 1);
        }
        int p;
        try {
            p = Integer.parseInt(port);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + port + "' is not a port number", e);
        }
        if (p < 0 || p > 65535) {
            throw new IllegalArgumentException("port " + p + " is out of range");
        }
        if (host.isEmpty()) {
            throw new IllegalArgumentException("'" + text + "' has no host");
        }
        return new InetSocketAddress(host, p);
    }
}
