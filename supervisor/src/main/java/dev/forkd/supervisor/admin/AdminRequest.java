package dev.forkd.supervisor.admin;

import io.netty.handler.codec.http.HttpHeaders;
import java.net.SocketAddress;

/** A whole admin request as {@link AdminServer} sees it: the path decoded, the query raw. */
record AdminRequest(String method, String path, String rawQuery, HttpHeaders headers, SocketAddress remote) {
    /** The first value of a header (names are case-insensitive); null if absent. */
    String header(String name) {
        return headers.get(name);
    }
}
