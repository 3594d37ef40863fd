package dev.forkd.supervisor.listen;

import dev.forkd.supervisor.dispatch.AcceptedClient;
import dev.forkd.supervisor.common.MemoryBudget;
import dev.forkd.supervisor.common.RateLimitedLog;
import dev.forkd.supervisor.dispatch.Dispatcher;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * The TCP listener. Its thread accepts only while the dispatcher has room; otherwise it waits and
 * the kernel's backlog holds new clients, as in the seed's iterative-server timeline.
 */
public final class Listener {
    private static final Logger LOG = LogManager.getLogger(Listener.class);
    private static final long ACCEPT_ERROR_BACKOFF_MS = 100;
    private final RateLimitedLog acceptErrors = new RateLimitedLog(LOG, org.apache.logging.log4j.Level.ERROR, 10,
            java.util.concurrent.TimeUnit.SECONDS);
    private long acceptFailures;

    private final ServerSocketChannel server;
    /**
     * Only for an inherited listener, which is never closed here (see {@link #close()}): its
     * accept thread waits in this selector, which close() wakes up.
     */
    private final Selector selector;
    private boolean stopped;
    private Thread thread;
    private final RateLimitedLog budgetSpent = new RateLimitedLog(LOG, org.apache.logging.log4j.Level.WARN, 10,
            java.util.concurrent.TimeUnit.SECONDS);
    /** Null: accept regardless of memory. */
    private MemoryBudget budget;
    private long budgetReserve;
    /** Set while the accept thread waits for budget, so that releases (frequent) notify only then. */
    private volatile boolean awaitingBudget;
    private final Object budgetLock = new Object();

    private Listener(ServerSocketChannel server, Selector selector) {
        this.server = server;
        this.selector = selector;
    }

    /** @throws java.net.BindException if the address is in use or not local */
    public static Listener bind(InetSocketAddress address, int backlog) throws IOException {
        ServerSocketChannel ch = ServerSocketChannel.open();
        try {
            ch.setOption(StandardSocketOptions.SO_REUSEADDR, true);
            ch.bind(address, backlog);
        } catch (IOException e) {
            ch.close();
            throw e;
        }
        return new Listener(ch, null);
    }

    /**
     * The listening socket a service manager passed as standard input (systemd's
     * StandardInput=socket, or systemd-socket-activate --inetd), or null when there is none.
     * Java reads only fd 0, not LISTEN_FDS.
     */
    public static Listener inherited() throws IOException {
        java.nio.channels.Channel ch = System.inheritedChannel();
        if (ch instanceof ServerSocketChannel) {
            ServerSocketChannel server = (ServerSocketChannel) ch;
            Selector selector = Selector.open();
            try {
                server.configureBlocking(false);
                server.register(selector, SelectionKey.OP_ACCEPT);
            } catch (IOException | RuntimeException e) {
                selector.close();
                throw e;
            }
            return new Listener(server, selector);
        }
        return null;
    }

    public InetSocketAddress localAddress() throws IOException {
        return (InetSocketAddress) server.getLocalAddress();
    }

    /**
     * Before {@link #start}: accept only while {@code budget} has room for {@code reserveBytes}
     * (what one read may leave pending); while it is spent, the kernel's backlog holds new clients.
     */
    public void acceptWithin(MemoryBudget budget, long reserveBytes) {
        this.budget = budget;
        this.budgetReserve = reserveBytes;
        budget.onRelease(() -> {
            if (awaitingBudget) {
                synchronized (budgetLock) {
                    budgetLock.notifyAll();
                }
            }
        });
    }

    /**
     * Waits while the memory budget is spent. The waiter sets its flag before it looks at the
     * budget and a releaser gives bytes back before it looks at the flag (both volatile or
     * atomic), so one of them always sees the other: no wake-up is lost.
     */
    private void awaitBudget() throws InterruptedException {
        if (budget == null || budget.hasRoom(budgetReserve)) {
            return;
        }
        budget.exhausted();
        budgetSpent.log("memory budget of {} MiB spent ({} bytes held in relay buffers): not accepting new connections until buffers are freed",
                budget.limit() >> 20, budget.used());
        synchronized (budgetLock) {
            awaitingBudget = true;
            try {
                while (!budget.hasRoom(budgetReserve) && !isStopped()) {
                    budgetLock.wait();
                }
            } finally {
                awaitingBudget = false;
            }
        }
    }

    private synchronized boolean isStopped() {
        return stopped;
    }

    /** @param next where admitted connections go: the preamble (PROXY header, first bytes), or the dispatcher when there is none */
    public void start(java.util.function.Consumer<AcceptedClient> next, Dispatcher<?> dispatcher, Admission admission) {
        thread = new Thread(() -> acceptLoop(next, dispatcher, admission), "accept");
        thread.start();
    }

    private void acceptLoop(java.util.function.Consumer<AcceptedClient> next, Dispatcher<?> dispatcher, Admission admission) {
        try {
            acceptUntilClosed(next, dispatcher, admission);
        } finally {
            if (selector != null) {
                closeSelector();
            }
        }
    }

    private void acceptUntilClosed(java.util.function.Consumer<AcceptedClient> next, Dispatcher<?> dispatcher, Admission admission) {
        while (server.isOpen()) {
            try {
                dispatcher.awaitRoom();
                awaitBudget();
                SocketChannel ch = selector == null ? server.accept() : acceptInherited();
                if (ch == null) {
                    break; // closed
                }
                if (acceptFailures > 0) {
                    LOG.info("accepting again after {} failed attempt(s)", acceptFailures);
                    acceptFailures = 0;
                }
                AcceptedClient client = new AcceptedClient(ch);
                if (admission.admit(client)) {
                    next.accept(client);
                }
            } catch (ClosedChannelException e) {
                break;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            } catch (IOException e) {
                // EMFILE and kin: back off instead of spinning; accepting resumes when the cause clears
                acceptFailures++;
                acceptErrors.log("accept failed: {}; backing off {} ms between attempts", e.toString(), ACCEPT_ERROR_BACKOFF_MS);
                try {
                    Thread.sleep(ACCEPT_ERROR_BACKOFF_MS);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
        }
    }

    /**
     * The next connection of an inherited listener, or null once {@link #close()} was called.
     * Calls accept only when the selector says a connection is waiting: the socket's O_NONBLOCK
     * flag belongs to an open file description shared with the service manager, and systemd
     * clears it whenever it starts a control process (ExecReload=) with the socket as standard
     * input, so an accept with nothing waiting may block, whatever mode the channel thinks it has.
     * Accepts under the lock that close() takes, so nothing is accepted after it.
     */
    private SocketChannel acceptInherited() throws IOException {
        while (true) {
            int ready;
            try {
                ready = selector.select();
                selector.selectedKeys().clear();
            } catch (ClosedSelectorException e) {
                return null;
            }
            synchronized (this) {
                if (stopped) {
                    return null;
                }
                if (ready > 0) {
                    // an accepted channel is blocking, whatever the listener's mode
                    SocketChannel ch = server.accept();
                    if (ch != null) {
                        return ch;
                    }
                }
            }
        }
    }

    /**
     * Stops accepting. A listener forkd bound is closed, and clients in its kernel backlog get a
     * reset. An inherited one stays open until forkd exits: closing the channel that
     * System.inheritedChannel() returned makes the JDK point file descriptors 0, 1 and 2 at
     * /dev/null (it assumes inetd, which passes the socket on all three), so every later log line
     * on stderr would be lost, e.g. the whole graceful stop under systemd. Clients in its backlog
     * stay there for the service manager, which owns the socket and starts forkd again for them.
     */
    public void close() {
        synchronized (this) {
            stopped = true;
        }
        if (selector == null) {
            try {
                server.close();
            } catch (IOException e) {
                LOG.debug("closing the listener: {}", e.toString());
            }
        } else if (thread == null) {
            closeSelector(); // never started: no accept thread to do it
        } else {
            selector.wakeup();
        }
        if (thread != null) {
            // out of Dispatcher.awaitRoom; never inside a blocking operation on the listener (it has
            // none when inherited), so this does not close it
            thread.interrupt();
        }
    }

    private void closeSelector() {
        try {
            selector.close();
        } catch (IOException e) {
            LOG.debug("closing the listener's selector: {}", e.toString());
        }
    }
}
