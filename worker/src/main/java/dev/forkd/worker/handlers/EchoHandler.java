package dev.forkd.worker.handlers;

import dev.forkd.api.Connection;
import dev.forkd.api.Handler;
import java.nio.ByteBuffer;

/** Replies with exactly what it received. */
final class EchoHandler implements Handler {
    @Override
    public void onMessage(Connection connection, ByteBuffer message) throws Exception {
        connection.reply(message);
    }
}
