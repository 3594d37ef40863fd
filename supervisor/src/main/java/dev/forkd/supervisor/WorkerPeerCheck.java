package dev.forkd.supervisor;

import dev.forkd.supervisor.dispatch.Dispatcher;
import dev.forkd.supervisor.pool.WorkerProcess;
import dev.forkd.supervisor.relay.Relay;
import dev.forkd.supervisor.rundir.SocketOwner;
import dev.forkd.shared.PeerCredentials;
import java.io.IOException;
import java.nio.channels.SocketChannel;
import java.nio.file.attribute.UserPrincipal;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * The supervisor's side of the worker socket check: the process that accepted a stream must run
 * as the supervisor's user (SO_PEERCRED), or another local user who took the socket's path would
 * receive clients and their PROXY headers. The JDK gives no peer pid, so the pid is checked once
 * per worker, when it reports ready and when this check fails ({@link SocketOwner}); Netty's epoll
 * peerCredentials() will give it per connection once the data path runs on Netty (issue 14).
 * A failure is logged once per worker; the pool then replaces that worker.
 */
final class WorkerPeerCheck implements Relay.PeerCheck {
    private static final Logger LOG = LogManager.getLogger(WorkerPeerCheck.class);

    private final UserPrincipal self;
    private final SocketOwner owner;

    WorkerPeerCheck(UserPrincipal self, SocketOwner owner) {
        this.self = self;
        this.owner = owner;
    }

    @Override
    public boolean trusted(Dispatcher.Target target, SocketChannel worker) {
        String who;
        try {
            UserPrincipal peer = PeerCredentials.peer(worker);
            if (peer.getName().equals(self.getName())) {
                return true;
            }
            who = "user " + peer.getName();
        } catch (IOException e) {
            who = "a peer whose credentials cannot be read (" + e + ")";
        }
        if (target instanceof WorkerProcess) {
            WorkerProcess w = (WorkerProcess) target;
            if (w.distrusted.compareAndSet(null, who)) {
                SocketOwner.Verdict v = owner.check(w.socket, w.pid);
                LOG.error("{}: its socket {} was answered by {}, not by this supervisor's user ({}); "
                        + "sending it no client and replacing it", w.label(), w.socket, who,
                        v == SocketOwner.Verdict.HELD ? "the worker still holds it" : "the worker does not hold the socket there");
            }
        }
        return false;
    }
}
