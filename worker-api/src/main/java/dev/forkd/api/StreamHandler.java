package dev.forkd.api;

/**
 * What a worker runs for each client connection, in the blocking stream style: the way the
 * classic loop server's {@code handle_client(conn)} is written. forkd creates one instance per
 * connection with its public no-argument constructor and calls {@link #handle} once, on a thread
 * of its own for that connection, with the connection's {@link java.io.InputStream} and
 * {@link java.io.OutputStream}. Existing blocking protocol code (a {@code BufferedReader} loop, a
 * library's codec over streams) runs unchanged.
 *
 * <pre>{@code
 * public class Upper implements StreamHandler {
 *     public void handle(StreamConnection c) throws IOException {
 *         BufferedReader in = new BufferedReader(new InputStreamReader(c.input(), UTF_8));
 *         Writer out = new OutputStreamWriter(c.output(), UTF_8);
 *         for (String line; (line = in.readLine()) != null; ) {
 *             out.write(line.toUpperCase() + "\n");
 *             out.flush();
 *         }
 *     }
 * }
 * }</pre>
 *
 * <p><b>Where it runs.</b> In {@code --model prefork} (the default), {@code iterative} and
 * {@code fork-per-connection} a worker serves one connection at a time, on its serving thread; in
 * {@code threaded} each connection has its own thread. {@code --model evented} refuses a stream
 * handler at worker boot (exit 3, and forkd says why): its single thread cannot block in a read.
 * A class implements either this or {@link Handler}, never both.
 *
 * <p><b>Returning and throwing.</b> When {@code handle} returns, forkd closes the connection (both
 * directions; what was written has been handed to the kernel already, and reaches the client
 * first). When it throws, forkd logs it once with the connection's id and closes that connection
 * only; the worker and its other connections carry on. An {@link java.io.IOException} (the client
 * went away, say) is logged on one line; anything else with its stack trace.
 *
 * <p><b>Options that do not apply.</b> The handler reads the bytes itself, so forkd must run with
 * {@code --framing raw} (the default): any other framing is refused at boot, and with it
 * {@code --max-frame} and the framed heartbeat ({@code --heartbeat-timeout}) do not apply. A
 * handler bounds its own messages: {@code BufferedReader.readLine()} grows without bound on a line
 * with no end, so read with a limit where clients are not trusted.
 *
 * <p><b>Timeouts and draining.</b> The supervisor's {@code --idle-timeout} (no byte either way
 * for that long) and {@code --min-rate} apply as to every connection: the supervisor closes it, a
 * blocked read ends (end of stream, or an {@link java.io.IOException}) and a write fails. On a graceful stop or a reload a draining
 * worker takes no new connections and waits for every {@code handle} to return; the supervisor
 * waits {@code --graceful-timeout} for that, then stops the worker, which ends the connections it
 * still has.
 */
@FunctionalInterface
public interface StreamHandler {

    /**
     * Serves one connection, blocking as it likes, and returns when done with it.
     *
     * @param connection the connection: its streams, addresses and TLS facts
     * @throws Exception anything: it closes this connection only, and is logged once
     */
    void handle(StreamConnection connection) throws Exception;

    /**
     * Whether this handler writes before the client does (a greeting). As for
     * {@link Handler#speaksFirst()}: forkd gives a connection a worker only once its first bytes
     * arrive, unless started with {@code --handler-speaks-first}; a worker whose handler says true
     * without that flag logs a warning at boot.
     *
     * @return true if the handler writes a greeting before reading; false by default
     */
    default boolean speaksFirst() {
        return false;
    }
}
