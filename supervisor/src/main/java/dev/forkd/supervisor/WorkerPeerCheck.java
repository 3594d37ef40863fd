package dev.forkd.supervisor;

import dev.forkd.shared.PeerCredentials;
import dev.forkd.supervisor.common.Transport;
import dev.forkd.supervisor.dispatch.Dispatcher;
import dev.forkd.supervisor.pool.WorkerProcess;
import dev.forkd.supervisor.relay.Relay;
import dev.forkd.supervisor.rundir.SocketOwner;
import io.netty.channel.Channel;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import java.io.IOException;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.UserPrincipal;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * The supervisor's side of the worker socket check, before the first byte of each stream: the
 * process that accepted it must run as the supervisor's user, and on epoll it must be the very
 * process we launched (SO_PEERCRED's uid and pid, through Netty); otherwise another local user,
 * or another process, that took the socket's path would receive clients and their PROXY headers.
 * On NIO the JDK gives the user but no pid, so the pid is checked per worker instead, when it
 * reports ready and when this check fails ({@link SocketOwner}). A failure is logged once per
 * worker; the pool then replaces that worker.
 */
final class WorkerPeerCheck implements Relay.PeerCheck {
    private static final Logger LOG = LogManager.getLogger(WorkerPeerCheck.class);

    private final UserPrincipal self;
    private final int selfUid;
    private final SocketOwner owner;

    WorkerPeerCheck(UserPrincipal self, int selfUid, SocketOwner owner) {
        this.self = self;
        this.selfUid = selfUid;
        this.owner = owner;
    }

    static WorkerPeerCheck ofThisProcess(SocketOwner owner) throws IOException {
        return new WorkerPeerCheck(PeerCredentials.self(), (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid"), owner);
    }

    @Override
    public boolean trusted(Dispatcher.Target target, Channel worker) {
        String who = worker instanceof EpollDomainSocketChannel ? nativeCheck(target, (EpollDomainSocketChannel) worker) : jdkCheck(worker);
        if (who == null) {
            return true;
        }
        if (target instanceof WorkerProcess) {
            WorkerProcess w = (WorkerProcess) target;
            if (w.distrusted.compareAndSet(null, who)) {
                SocketOwner.Verdict v = owner.check(w.socket, w.pid);
                LOG.error("{}: its socket {} was answered by {}, not by the worker forkd launched as its own user ({}); "
                        + "sending it no client and replacing it", w.label(), w.socket, who,
                        v == SocketOwner.Verdict.HELD ? "the worker still holds it" : "the worker does not hold the socket there");
            }
        }
        return false;
    }

    /** Null if the peer is the worker we launched; else who it is. */
    private String nativeCheck(Dispatcher.Target target, EpollDomainSocketChannel worker) {
        io.netty.channel.unix.PeerCredentials peer;
        try {
            peer = worker.peerCredentials();
        } catch (IOException e) {
            return "a peer whose credentials cannot be read (" + e + ")";
        }
        if (peer.uid() != selfUid) {
            return "user " + UserNames.of(peer.uid());
        }
        long pid = target instanceof WorkerProcess ? ((WorkerProcess) target).pid : -1;
        if (pid > 0 && peer.pid() != pid) {
            return "process " + peer.pid() + " of this user";
        }
        return null;
    }

    private String jdkCheck(Channel worker) {
        SocketChannel jdk = worker.attr(Transport.JDK_CHANNEL).get();
        try {
            UserPrincipal peer = PeerCredentials.peer(jdk);
            return peer.getName().equals(self.getName()) ? null : "user " + peer.getName();
        } catch (IOException | RuntimeException e) {
            return "a peer whose credentials cannot be read (" + e + ")";
        }
    }
}
