package dev.forkd.worker.handlers;

import dev.forkd.api.Connection;
import dev.forkd.api.Handler;
import java.nio.ByteBuffer;

/**
 * The seed's reference server: replies with what it received, upper-cased. Only ASCII letters
 * change, byte by byte, so that a multi-byte UTF-8 character split across two reads is never
 * corrupted.
 */
final class UpperHandler implements Handler {
    @Override
    public void onMessage(Connection connection, ByteBuffer message) throws Exception {
        for (int i = message.position(); i < message.limit(); i++) {
            byte b = message.get(i);
            if (b >= 'a' && b <= 'z') {
                message.put(i, (byte) (b - ('a' - 'A')));
            }
        }
        connection.reply(message);
    }
}
