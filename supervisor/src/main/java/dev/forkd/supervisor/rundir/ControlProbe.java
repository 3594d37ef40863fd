package dev.forkd.supervisor.rundir;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;

/** Whether a supervisor is alive behind a control socket: a live one accepts, a dead one's file refuses. */
final class ControlProbe {
    private ControlProbe() {
    }

    static boolean answers(Path controlSocket) {
        if (!Files.exists(controlSocket, LinkOption.NOFOLLOW_LINKS) || Files.isSymbolicLink(controlSocket)) {
            return false;
        }
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            ch.connect(UnixDomainSocketAddress.of(controlSocket));
            return true;
        } catch (IOException e) {
            // ECONNREFUSED: a socket file whose process is gone
            return false;
        }
    }
}
