package dev.forkd.supervisor.admin;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.net.UnknownHostException;
import java.util.Locale;
import java.util.function.Predicate;
import java.util.regex.Pattern;

/**
 * Who may talk to the admin endpoint, judged by the request's Host and Origin headers: a web page
 * that reaches it through a browser (DNS rebinding names another host; a cross-site POST carries a
 * foreign Origin) is refused. Allowed: the bound IP literal, {@code localhost} when bound to
 * loopback, any local IP literal when bound to a wildcard address; always with the bound port.
 * A missing Host (HTTP/1.0) is accepted; names other than {@code localhost} are never resolved.
 */
final class AdminGuard {
    private static final Pattern IPV4 = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");
    private static final Pattern IPV6 = Pattern.compile("[0-9a-fA-F:.]+");

    private final InetAddress bound;
    private final int port;
    private final Predicate<InetAddress> isLocal;

    AdminGuard(InetSocketAddress bound) {
        this(bound, AdminGuard::isLocalAddress);
    }

    /** {@code isLocal}: whether an address is this machine's (for a wildcard bind); replaceable in tests. */
    AdminGuard(InetSocketAddress bound, Predicate<InetAddress> isLocal) {
        this.bound = bound.getAddress();
        this.port = bound.getPort();
        this.isLocal = isLocal;
    }

    /** Null if the request may go on, else why not (for the 403 answer). */
    String refusal(String host, String origin) {
        if (host != null && !allowed(host)) {
            return "Host '" + host + "' is not this endpoint's address";
        }
        if (origin != null) {
            String o = origin.toLowerCase(Locale.ROOT);
            if (!o.startsWith("http://") || !allowed(origin.substring("http://".length()))) {
                return "Origin '" + origin + "' is not this endpoint";
            }
        }
        return null;
    }

    /** {@code authority} is HOST[:PORT] as in a Host header. */
    private boolean allowed(String authority) {
        String host;
        String portText;
        if (authority.startsWith("[")) {
            int end = authority.indexOf(']');
            if (end < 0) {
                return false;
            }
            host = authority.substring(1, end);
            String rest = authority.substring(end + 1);
            if (!rest.isEmpty() && !rest.startsWith(":")) {
                return false;
            }
            portText = rest.isEmpty() ? null : rest.substring(1);
            if (!IPV6.matcher(host).matches()) {
                return false;
            }
        } else {
            int colon = authority.indexOf(':');
            if (colon >= 0 && authority.indexOf(':', colon + 1) >= 0) {
                return false;
            }
            host = colon < 0 ? authority : authority.substring(0, colon);
            portText = colon < 0 ? null : authority.substring(colon + 1);
        }
        int p;
        try {
            p = portText == null ? 80 : Integer.parseInt(portText);
        } catch (NumberFormatException e) {
            return false;
        }
        if (p != port) {
            return false;
        }
        if (host.equalsIgnoreCase("localhost")) {
            return bound.isLoopbackAddress() || bound.isAnyLocalAddress();
        }
        InetAddress a = literal(host, authority.startsWith("["));
        if (a == null) {
            return false;
        }
        if (bound.isAnyLocalAddress()) {
            return a.isLoopbackAddress() || isLocal.test(a);
        }
        return a.equals(bound);
    }

    /** The address an IP literal names, without any lookup; null if {@code host} is not one. */
    private static InetAddress literal(String host, boolean bracketed) {
        boolean looksLikeIp = bracketed ? IPV6.matcher(host).matches() && host.contains(":") : IPV4.matcher(host).matches();
        if (!looksLikeIp) {
            return null;
        }
        try {
            return InetAddress.getByName(host);
        } catch (UnknownHostException e) {
            // a malformed literal (e.g. 999.1.1.1): not an address of ours
            return null;
        }
    }

    private static boolean isLocalAddress(InetAddress a) {
        try {
            return NetworkInterface.getByInetAddress(a) != null;
        } catch (SocketException e) {
            // cannot tell: refuse, the safe side
            return false;
        }
    }
}
