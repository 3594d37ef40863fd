package dev.forkd.worker.handlers;

import dev.forkd.api.Connection;
import dev.forkd.api.Handler;
import java.nio.ByteBuffer;

/**
 * Replies with each message reversed byte by byte; a trailing line end stays at the end, so
 * {@code "abc\n"} becomes {@code "cba\n"}. Meant for ASCII text, like the seed's examples.
 */
final class ReverseHandler implements Handler {
    @Override
    public void onMessage(Connection connection, ByteBuffer message) throws Exception {
        int start = message.position();
        int end = message.limit();
        if (end > start && message.get(end - 1) == '\n') {
            end--;
            if (end > start && message.get(end - 1) == '\r') {
                end--;
            }
        }
        for (int i = start, j = end - 1; i < j; i++, j--) {
            byte t = message.get(i);
            message.put(i, message.get(j));
            message.put(j, t);
        }
        connection.reply(message);
    }
}
