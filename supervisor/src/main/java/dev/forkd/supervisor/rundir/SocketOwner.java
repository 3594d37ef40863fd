package dev.forkd.supervisor.rundir;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Whether the listening Unix socket at a path is held by a given process. The JDK's
 * SO_PEERCRED ({@code UnixDomainPrincipal}) gives the peer's user but no pid, so the pid is checked
 * through /proc: the kernel lists every bound socket with its path and inode in /proc/net/unix,
 * and a process's descriptors show as {@code socket:[inode]} links in /proc/PID/fd. (Once the
 * data path runs on Netty's epoll transport, its peerCredentials() gives the pid per connection.)
 *
 * <p>A socket whose file was deleted keeps its path in /proc/net/unix, so an impostor who bound
 * the same path after deleting the worker's file shows as a second entry: the socket counts as
 * the process's only if every listening entry with that path is one of its descriptors.
 */
public final class SocketOwner {
    public enum Verdict { HELD, NOT_HELD, UNKNOWN }

    /** __SO_ACCEPTCON in /proc/net/unix's Flags column: the socket listens. */
    private static final int ACCEPTCON = 0x10000;

    private final Path procNetUnix;
    private final Path proc;

    public SocketOwner() {
        this(Path.of("/proc/net/unix"), Path.of("/proc"));
    }

    SocketOwner(Path procNetUnix, Path proc) {
        this.procNetUnix = procNetUnix;
        this.proc = proc;
    }

    /** HELD if {@code pid} holds every listening socket bound at {@code path} (and there is one); UNKNOWN if /proc cannot tell. */
    public Verdict check(Path path, long pid) {
        Set<Long> listening;
        Set<Long> held;
        try {
            listening = listeningInodes(Files.readAllLines(procNetUnix), path.toString());
            held = socketInodes(proc.resolve(Long.toString(pid)).resolve("fd"));
        } catch (IOException | RuntimeException e) {
            // no /proc (another OS, a hardened mount): the uid check is all there is
            return Verdict.UNKNOWN;
        }
        return !listening.isEmpty() && held.containsAll(listening) ? Verdict.HELD : Verdict.NOT_HELD;
    }

    /** The inodes of the listening sockets bound at {@code path}, from /proc/net/unix's lines. */
    static Set<Long> listeningInodes(List<String> lines, String path) {
        Set<Long> found = new HashSet<>();
        for (String line : lines) {
            // Num RefCount Protocol Flags Type St Inode [Path]; the path is the rest of the line
            String[] f = line.trim().split("\\s+", 8);
            if (f.length < 8 || !f[0].endsWith(":") || !f[7].equals(path)) {
                continue;
            }
            try {
                if ((Integer.parseInt(f[3], 16) & ACCEPTCON) != 0) {
                    found.add(Long.parseLong(f[6]));
                }
            } catch (NumberFormatException e) {
                // a line of another layout (the header, a future kernel): not one of ours to judge
                continue;
            }
        }
        return found;
    }

    /** The socket inodes among a process's descriptors ({@code socket:[12345]} links). */
    static Set<Long> socketInodes(Path fdDir) throws IOException {
        Set<Long> inodes = new HashSet<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(fdDir)) {
            for (Path fd : ds) {
                String target;
                try {
                    target = Files.readSymbolicLink(fd).toString();
                } catch (IOException e) {
                    // closed between listing and reading: it held nothing we look for
                    continue;
                }
                Long inode = socketInode(target);
                if (inode != null) {
                    inodes.add(inode);
                }
            }
        }
        return inodes;
    }

    static Long socketInode(String linkTarget) {
        if (!linkTarget.startsWith("socket:[") || !linkTarget.endsWith("]")) {
            return null;
        }
        try {
            return Long.parseLong(linkTarget.substring("socket:[".length(), linkTarget.length() - 1));
        } catch (NumberFormatException e) {
            return null;
        }
    }
}
