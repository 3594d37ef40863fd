package dev.forkd.testcontainers;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.function.LongConsumer;

/**
 * forkd's chaos handler ({@code --handler chaos --enable-chaos}) asked to crash the worker that
 * serves a new connection: {@code pid} says which worker it is, {@code crash} makes it halt with
 * exit code 1, as a real crash of the handler's JVM would, taking every connection it serves with it.
 */
final class ChaosCrash {
    private ChaosCrash() {
    }

    /**
     * Crashes one worker; {@code beforeCrash} gets its pid while it still serves (to look it up);
     * returns the pid once the connection has ended (the worker is gone).
     */
    static long crashOne(String host, int port, Duration timeout, LongConsumer beforeCrash) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(host, port), (int) timeout.toMillis());
            s.setSoTimeout((int) timeout.toMillis());
            OutputStream out = s.getOutputStream();
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
            out.write("pid\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            String answer = in.readLine();
            long pid;
            try {
                pid = Long.parseLong(answer == null ? "" : answer.trim());
            } catch (NumberFormatException e) {
                throw new IllegalStateException("the chaos handler answered 'pid' with '" + answer + "', not a pid", e);
            }
            beforeCrash.accept(pid);
            out.write("crash\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            try {
                // the worker halts without a reply: the connection's end is the sign
                String after = in.readLine();
                if (after != null) {
                    throw new IllegalStateException("worker " + pid + " answered '" + after + "' instead of crashing");
                }
            } catch (SocketTimeoutException e) {
                throw new IllegalStateException("worker " + pid + " still holds its connection " + timeout + " after 'crash'", e);
            } catch (IOException e) {
                // a reset is as good an end as a close: the worker is gone either way
                return pid;
            }
            return pid;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot reach forkd's chaos handler on " + host + ":" + port, e);
        }
    }
}
