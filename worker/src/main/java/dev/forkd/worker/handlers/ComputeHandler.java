package dev.forkd.worker.handlers;

import dev.forkd.worker.common.BadInputException;
import dev.forkd.api.Connection;
import dev.forkd.api.Handler;
import dev.forkd.shared.compute.ComputeWork;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * The compute-bound built-ins: {@code sha256} answers each message with its SHA-256 in hex,
 * {@code json} parses each message as a JSON document and writes it back compact. They exist to
 * show what the workers' JIT does to a handler that computes (the benchmark's scenario 7); a
 * message that is not JSON gets the error message and a closed connection.
 */
final class ComputeHandler implements Handler {
    private final ComputeWork work;

    ComputeHandler(ComputeWork.Kind kind) {
        this.work = new ComputeWork(kind);
    }

    @Override
    public void onMessage(Connection connection, ByteBuffer message) throws Exception {
        byte[] reply;
        try {
            reply = work.apply(message);
        } catch (IOException e) {
            throw new BadInputException("not a JSON document: " + e.getMessage().lines().findFirst().orElse(""));
        }
        connection.reply(ByteBuffer.wrap(reply));
    }
}
