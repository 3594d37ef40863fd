package dev.forkd.tools.client;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;

/** For the session tests: run a client session on its own thread, and give it typed lines. */
final class Sessions {
    private Sessions() {
    }

    static CompletableFuture<Long> runAsync(ClientSession s) {
        CompletableFuture<Long> f = new CompletableFuture<>();
        Thread t = new Thread(() -> {
            try {
                f.complete(s.run());
            } catch (Exception e) {
                f.completeExceptionally(e);
            }
        }, "client-session");
        t.setDaemon(true);
        t.start();
        return f;
    }

    static InputStream lines(String text) {
        return new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8));
    }
}
