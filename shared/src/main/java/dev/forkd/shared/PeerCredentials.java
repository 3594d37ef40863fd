package dev.forkd.shared;

import java.io.IOException;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.UserPrincipal;
import jdk.net.ExtendedSocketOptions;
import jdk.net.UnixDomainPrincipal;

/** Who is at the other end of a Unix-domain socket (SO_PEERCRED), compared with who we are. */
public final class PeerCredentials {
    private PeerCredentials() {
    }

    /** The user this process runs as: the owner of /proc/self is its effective uid. */
    public static UserPrincipal self() throws IOException {
        return Files.getOwner(Path.of("/proc/self"));
    }

    /** The peer's user, from the kernel's record of who connected (not something the peer can claim). */
    public static UserPrincipal peer(SocketChannel channel) throws IOException {
        UnixDomainPrincipal principal = channel.getOption(ExtendedSocketOptions.SO_PEERCRED);
        return principal.user();
    }

    public static boolean sameUser(SocketChannel channel, UserPrincipal self) throws IOException {
        return peer(channel).getName().equals(self.getName());
    }
}
