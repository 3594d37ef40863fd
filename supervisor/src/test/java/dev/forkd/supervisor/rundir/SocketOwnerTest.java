package dev.forkd.supervisor.rundir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SocketOwnerTest {
    private static final String SOCK = "/tmp/forkd-1-x/worker-1.sock";
    private static final List<String> NET_UNIX = List.of(
            "Num       RefCount Protocol Flags    Type St Inode Path",
            "00000000c72fb3ae: 00000002 00000000 00010000 0001 01  5322 /var/run/docker.sock",
            // a client connected to it: same path shown? no, but an accepted stream carries the path too
            "000000009e05cb46: 00000003 00000000 00000000 0001 03 44387 " + SOCK,
            "00000000897a3c61: 00000002 00000000 00010000 0001 01 21050 " + SOCK,
            "00000000f0cbadac: 00000003 00000000 00000000 0001 03  5332",
            "00000000aaaaaaaa: 00000002 00000000 00010000 0001 01 777 /tmp/with space/worker-1.sock",
            "garbage line");

    @TempDir
    Path tmp;

    @Test
    void onlyListeningSocketsAtExactlyThatPathCount() {
        assertEquals(Set.of(21050L), SocketOwner.listeningInodes(NET_UNIX, SOCK));
        assertEquals(Set.of(777L), SocketOwner.listeningInodes(NET_UNIX, "/tmp/with space/worker-1.sock"));
        assertEquals(Set.of(), SocketOwner.listeningInodes(NET_UNIX, "/tmp/forkd-1-x/worker-2.sock"));
    }

    @Test
    void socketLinkTargets() {
        assertEquals(21050L, SocketOwner.socketInode("socket:[21050]"));
        assertNull(SocketOwner.socketInode("pipe:[21050]"));
        assertNull(SocketOwner.socketInode("/dev/null"));
        assertNull(SocketOwner.socketInode("socket:[x]"));
    }

    @Test
    void heldOnlyIfEveryListenerAtThePathIsTheProcesss() throws Exception {
        Path netUnix = tmp.resolve("unix");
        Path fd = Files.createDirectories(tmp.resolve("proc/42/fd"));
        Files.createSymbolicLink(fd.resolve("0"), Path.of("/dev/null"));
        Files.createSymbolicLink(fd.resolve("5"), Path.of("socket:[21050]"));
        SocketOwner owner = new SocketOwner(netUnix, tmp.resolve("proc"));

        Files.write(netUnix, NET_UNIX);
        assertEquals(SocketOwner.Verdict.HELD, owner.check(Path.of(SOCK), 42));
        assertEquals(SocketOwner.Verdict.NOT_HELD, owner.check(Path.of("/var/run/docker.sock"), 42), "someone else's");
        assertEquals(SocketOwner.Verdict.NOT_HELD, owner.check(Path.of("/tmp/nothing.sock"), 42), "nothing listens there");

        // an impostor deleted the worker's file and bound the same path: two listeners named alike
        Files.write(netUnix, List.of(NET_UNIX.get(0), NET_UNIX.get(3),
                "00000000bbbbbbbb: 00000002 00000000 00010000 0001 01 99999 " + SOCK));
        assertEquals(SocketOwner.Verdict.NOT_HELD, owner.check(Path.of(SOCK), 42));

        assertEquals(SocketOwner.Verdict.UNKNOWN, owner.check(Path.of(SOCK), 43), "no such process to look at");
        assertEquals(SocketOwner.Verdict.UNKNOWN, new SocketOwner(tmp.resolve("none"), tmp.resolve("proc")).check(Path.of(SOCK), 42));
    }

    @Test
    void aRealListenerOfThisProcessIsHeld() throws Exception {
        Path sock = tmp.resolve("real.sock");
        try (java.nio.channels.ServerSocketChannel s = java.nio.channels.ServerSocketChannel.open(java.net.StandardProtocolFamily.UNIX)) {
            s.bind(java.net.UnixDomainSocketAddress.of(sock));
            SocketOwner owner = new SocketOwner();
            assertEquals(SocketOwner.Verdict.HELD, owner.check(sock, ProcessHandle.current().pid()));
            assertEquals(SocketOwner.Verdict.NOT_HELD, owner.check(sock, 1));
        }
    }
}
