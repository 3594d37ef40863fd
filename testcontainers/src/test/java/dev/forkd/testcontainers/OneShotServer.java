package dev.forkd.testcontainers;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** A loopback server for one connection, answering each line it reads as a script says. */
final class OneShotServer implements AutoCloseable {
    /** A reply that ends so is written without this end, then the connection is closed. */
    static final String CLOSE = "\0close";

    /** The reply to a line: null for none, text to write, or text ending in {@link #CLOSE}. */
    interface Script {
        String reply(String line);
    }

    private final ServerSocket server;
    private final CompletableFuture<List<String>> lines = new CompletableFuture<>();

    OneShotServer(Script script) throws IOException {
        server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        Thread t = new Thread(() -> serve(script), "one-shot-server");
        t.setDaemon(true);
        t.start();
    }

    int port() {
        return server.getLocalPort();
    }

    /** Every line the client sent, once the server closed the connection. */
    List<String> received() throws Exception {
        return lines.get(10, TimeUnit.SECONDS);
    }

    private void serve(Script script) {
        List<String> got = new ArrayList<>();
        try (Socket s = server.accept()) {
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
            OutputStream out = s.getOutputStream();
            String line;
            while ((line = in.readLine()) != null) {
                got.add(line);
                String reply = script.reply(line);
                if (reply == null) {
                    continue;
                }
                boolean close = reply.endsWith(CLOSE);
                out.write(reply.substring(0, reply.length() - (close ? CLOSE.length() : 0)).getBytes(StandardCharsets.UTF_8));
                out.flush();
                if (close) {
                    break;
                }
            }
            lines.complete(got);
        } catch (IOException e) {
            lines.completeExceptionally(e);
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
    }
}
