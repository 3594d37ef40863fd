package dev.forkd.it;

import java.io.IOException;

/**
 * The `Where` handler ({@link HandlerJars#WHERE}) through a proxy: "who" answers the client
 * address the worker saw, which must be this very socket's when the PROXY header made it through.
 */
final class Who {
    /** For {@link Load}: one "who" on a fresh connection, right when the worker saw this client. */
    static final Load.Request REQUEST = (c, msg) -> {
        String seen = ask(c);
        return seen.equals("127.0.0.1:" + c.localPort()) ? null : "the worker saw " + seen + ", not 127.0.0.1:" + c.localPort();
    };

    private Who() {
    }

    /** One "who" round trip: the address the worker saw for this connection's client. */
    static String ask(Client c) throws IOException {
        c.send("who\n");
        String line;
        // Where's reply ends with a newline and line framing adds its own: skip the empty line that follows
        while ((line = readLine(c)).isEmpty()) {
            // an empty line: the previous reply's framing newline
        }
        return line;
    }

    private static String readLine(Client c) throws IOException {
        StringBuilder sb = new StringBuilder();
        int ch;
        while ((ch = c.input().read()) >= 0 && ch != '\n') {
            sb.append((char) ch);
        }
        if (ch < 0) {
            throw new IOException("closed before a whole line: '" + sb + "'");
        }
        return sb.toString();
    }
}
