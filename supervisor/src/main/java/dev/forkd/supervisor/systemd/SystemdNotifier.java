package dev.forkd.supervisor.systemd;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.newsclub.net.unix.AFUNIXDatagramChannel;
import org.newsclub.net.unix.AFUNIXSocketAddress;

/**
 * sd_notify(3) from the supervisor's own process, so that systemd attributes every message to the
 * main PID (a short-lived systemd-notify process may be gone before systemd looks it up). Does
 * nothing unless NOTIFY_SOCKET is set. junixsocket is loaded only then, since the JDK cannot open
 * datagram Unix sockets.
 */
public final class SystemdNotifier {
    private static final Logger LOG = LogManager.getLogger(SystemdNotifier.class);

    private final String socket;
    private AFUNIXDatagramChannel channel;
    private String lastStatus;

    SystemdNotifier(String notifySocket) {
        this.socket = notifySocket == null || notifySocket.isBlank() ? null : notifySocket;
    }

    public static SystemdNotifier fromEnvironment() {
        return new SystemdNotifier(System.getenv("NOTIFY_SOCKET"));
    }

    public boolean enabled() {
        return socket != null;
    }

    public void ready(String status) {
        send("READY=1\nSTATUS=" + status + "\nMAINPID=" + ProcessHandle.current().pid());
        lastStatus = status;
    }

    /** Sends STATUS= only when it changed, so that a periodic refresh costs nothing when idle. */
    public synchronized void status(String status) {
        if (!status.equals(lastStatus)) {
            lastStatus = status;
            send("STATUS=" + status);
        }
    }

    public void reloading() {
        // MONOTONIC_USEC lets newer systemd tell this reload from an older one; nanoTime is CLOCK_MONOTONIC on Linux
        send("RELOADING=1\nSTATUS=reloading: replacing every worker\nMONOTONIC_USEC=" + TimeUnit.NANOSECONDS.toMicros(System.nanoTime()));
    }

    public void stopping() {
        send("STOPPING=1\nSTATUS=stopping");
    }

    private synchronized void send(String message) {
        if (socket == null) {
            return;
        }
        try {
            if (channel == null) {
                channel = AFUNIXDatagramChannel.open();
            }
            AFUNIXSocketAddress address = socket.startsWith("@")
                    ? AFUNIXSocketAddress.inAbstractNamespace(socket.substring(1))
                    : AFUNIXSocketAddress.of(new java.io.File(socket));
            channel.send(ByteBuffer.wrap(message.getBytes(StandardCharsets.UTF_8)), address);
        } catch (IOException | RuntimeException | LinkageError e) {
            // systemd then learns of our state by other means (the process itself); say so once per failure
            LOG.warn("cannot notify systemd at {}: {}", socket, e.toString());
        }
    }
}
