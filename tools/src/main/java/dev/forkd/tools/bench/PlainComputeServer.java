package dev.forkd.tools.bench;

import dev.forkd.shared.compute.ComputeWork;
import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.util.Locale;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * The benchmark's baseline for a worker's throughput (scripts/bench/run.sh, scenario 7): the work
 * of the {@code sha256} and {@code json} handlers ({@link ComputeWork}, the same code) in a plain
 * JVM behind a plain blocking socket on 127.0.0.1, one connection at a time as a prefork worker
 * serves, length framing, one write per reply as a worker makes. Run with the JVM's own options:
 * {@code java -cp forkd.jar dev.forkd.tools.bench.PlainComputeServer PORT sha256|json}.
 */
public final class PlainComputeServer implements AutoCloseable {
    private static final Logger LOG = LogManager.getLogger(PlainComputeServer.class);
    /** forkd's default --max-frame: a larger length prefix is a broken client. */
    static final int MAX_FRAME = 1 << 20;

    private final ServerSocket server;
    private final ComputeWork.Kind kind;
    private final Thread thread;

    private PlainComputeServer(ServerSocket server, ComputeWork.Kind kind) {
        this.server = server;
        this.kind = kind;
        this.thread = new Thread(this::serve, "plain-" + kind.name().toLowerCase(Locale.ROOT));
    }

    /** Listens on 127.0.0.1:{@code port} (0: any free one) and serves on a thread of its own. */
    static PlainComputeServer start(int port, ComputeWork.Kind kind) throws IOException {
        ServerSocket s = new ServerSocket();
        s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
        PlainComputeServer p = new PlainComputeServer(s, kind);
        p.thread.start();
        return p;
    }

    int port() {
        return server.getLocalPort();
    }

    private void serve() {
        while (!server.isClosed()) {
            try (Socket c = server.accept()) {
                c.setTcpNoDelay(true);
                serve(c);
            } catch (IOException e) {
                if (!server.isClosed()) {
                    LOG.warn("connection: {}", e.toString());
                }
            }
        }
    }

    private void serve(Socket c) throws IOException {
        ComputeWork work = new ComputeWork(kind);
        DataInputStream in = new DataInputStream(new BufferedInputStream(c.getInputStream(), 1 << 16));
        OutputStream out = c.getOutputStream();
        byte[] frame = new byte[4096];
        while (true) {
            int length;
            try {
                length = in.readInt();
            } catch (EOFException e) {
                return; // the client is done
            }
            if (length < 0 || length > MAX_FRAME) {
                throw new IOException("a frame of " + length + " bytes");
            }
            if (length > frame.length) {
                frame = new byte[length];
            }
            in.readFully(frame, 0, length);
            byte[] reply = work.apply(ByteBuffer.wrap(frame, 0, length));
            out.write(ByteBuffer.allocate(4 + reply.length).putInt(reply.length).put(reply).array());
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 2) {
            throw new IllegalArgumentException("usage: PlainComputeServer PORT sha256|json");
        }
        try (PlainComputeServer s = start(Integer.parseInt(args[0]), ComputeWork.Kind.valueOf(args[1].toUpperCase(Locale.ROOT)))) {
            LOG.info("plain {} server on 127.0.0.1:{}", args[1], s.port());
            s.thread.join();
        }
    }
}
