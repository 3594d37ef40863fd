package com.example.kv;

import dev.forkd.api.Connection;
import dev.forkd.api.Handler;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/** A key/value store per connection, one command a line (serve it with --framing line): SET k v, GET k, DEL k, SIZE, QUIT. */
public class KvHandler implements Handler {
    private static final Pattern SPACES = Pattern.compile("\\s+"); // compiled once, not for every message
    private final Map<String, String> store = new HashMap<>(); // forkd makes one handler per connection: this store is the connection's

    @Override
    public void onMessage(Connection c, ByteBuffer line) throws Exception {
        String[] w = SPACES.split(StandardCharsets.UTF_8.decode(line).toString().strip(), 3);
        String command = w[0].toUpperCase(Locale.ROOT) + "/" + w.length; // the name and how many words came with it
        String reply = switch (command) {
            case "SET/3" -> { store.put(w[1], w[2]); yield "OK"; }
            case "GET/2" -> store.getOrDefault(w[1], "(nil)");
            case "DEL/2" -> store.remove(w[1]) == null ? "0" : "1";
            case "SIZE/1" -> String.valueOf(store.size());
            case "QUIT/1" -> "BYE";
            default -> "ERR expected SET key value, GET key, DEL key, SIZE or QUIT";
        };
        c.reply(ByteBuffer.wrap(reply.getBytes(StandardCharsets.UTF_8)));
        if (command.equals("QUIT/1")) {
            c.close(); // after the BYE: close() sends what was replied first
        }
    }
}
