package dev.forkd.worker.evented;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;

/** For the event-loop tests, which play the relay: one line the worker wrote, a byte at a time so that nothing past it is taken. */
final class Lines {
    private Lines() {
    }

    static String readLine(SocketChannel c) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        ByteBuffer one = ByteBuffer.allocate(1);
        while (true) {
            one.clear();
            if (c.read(one) < 0) {
                throw new IOException("EOF inside a line: " + line.toString(UTF_8));
            }
            if (one.get(0) == '\n') {
                return line.toString(UTF_8);
            }
            line.write(one.get(0));
        }
    }
}
