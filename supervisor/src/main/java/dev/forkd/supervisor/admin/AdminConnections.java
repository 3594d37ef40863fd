package dev.forkd.supervisor.admin;

import dev.forkd.supervisor.common.RateLimitedLog;
import io.netty.channel.Channel;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * The admin endpoint's open connections, oldest first, capped: past the cap the oldest one still
 * sending its request makes room (a slow client cannot crowd out a health check), else the new
 * one is closed. Used on the admin event loop only, so it needs no locking.
 */
final class AdminConnections {
    private static final Logger LOG = LogManager.getLogger(AdminConnections.class);

    private final int max;
    private final Set<AdminDeadline> open = new LinkedHashSet<>();
    private final RateLimitedLog slowClients = new RateLimitedLog(LOG, Level.WARN, 10, TimeUnit.SECONDS);
    private final RateLimitedLog crowded = new RateLimitedLog(LOG, Level.WARN, 10, TimeUnit.SECONDS);

    AdminConnections(int max) {
        this.max = max;
    }

    /** False if the connection must be closed: the cap is reached and every open one is past its request. */
    boolean admit(AdminDeadline c) {
        if (open.size() >= max) {
            AdminDeadline oldest = null;
            for (AdminDeadline o : open) {
                if (o.phase() == AdminDeadline.Phase.READING) {
                    oldest = o;
                    break;
                }
            }
            if (oldest == null) {
                crowded.log("admin: {} connections at once; closing a new one from {}", max, c.channel().remoteAddress());
                return false;
            }
            crowded.log("admin: {} connections at once; closing the oldest unfinished request, from {}", max, oldest.channel().remoteAddress());
            // removed now: its channelInactive comes later on the loop
            open.remove(oldest);
            oldest.channel().close();
        }
        open.add(c);
        return true;
    }

    void remove(AdminDeadline c) {
        open.remove(c);
    }

    int size() {
        return open.size();
    }

    void timedOut(Channel channel, String what, long timeoutMillis) {
        slowClients.log("admin: closed a connection from {} that {} within {} ms", channel.remoteAddress(), what, timeoutMillis);
    }
}
