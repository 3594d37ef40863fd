package dev.forkd.worker.blocking;

import static java.nio.charset.StandardCharsets.UTF_8;

import dev.forkd.api.StreamConnection;
import dev.forkd.api.StreamHandler;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;

/** The tutorial's server: one upper-cased line back per line (StreamWorkerServerTest serves it too). */
public final class UpperLines implements StreamHandler {
    @Override
    public void handle(StreamConnection c) throws IOException {
        BufferedReader in = new BufferedReader(new InputStreamReader(c.input(), UTF_8));
        OutputStream out = c.output();
        for (String line; (line = in.readLine()) != null; ) {
            out.write((line.toUpperCase() + "\n").getBytes(UTF_8));
        }
    }
}
