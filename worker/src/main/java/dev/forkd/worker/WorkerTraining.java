package dev.forkd.worker;

import dev.forkd.worker.common.WorkerLog;
import dev.forkd.shared.ControlMessage;
import dev.forkd.shared.ExitCodes;
import dev.forkd.shared.ProxyV2;
import dev.forkd.shared.WorkerContract;
import dev.forkd.shared.framing.Framing;
import dev.forkd.shared.framing.Framings;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * {@code --train}: a worker's life in miniature, in-process and in a private temporary directory:
 * boot with a control channel, report ready, answer a heartbeat, serve one client conversation
 * (PROXY v2 header, a message in the configured framing, a ping where framed, half-close), then
 * return. Run under -XX:ArchiveClassesAtExit it leaves an archive of the classes a real worker
 * loads on its way to serving, so that workers started with it boot faster. Whatever goes wrong
 * only makes the archive smaller: the exit code says whether the conversation completed.
 */
final class WorkerTraining {
    private static final long CONVERSATION_MS = 3000;

    private WorkerTraining() {
    }

    static int run(WorkerMain w) {
        Path dir = null;
        try {
            dir = Files.createTempDirectory("forkd-train-");
            w.socket = dir.resolve("worker.sock");
            w.control = dir.resolve("control.sock");
            try (ServerSocketChannel supervisor = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
                supervisor.bind(UnixDomainSocketAddress.of(w.control));
                WorkerMain.Booted b = w.boot();
                // the supervisor's end stays open until the JVM exits: when it closes, a worker halts
                SocketChannel control = supervisor.accept();
                b.control.start(new ControlClient.Listener() {
                    @Override
                    public void onDrain() {
                    }

                    @Override
                    public void onStop() {
                    }
                });
                b.control.send(ControlMessage.ready(0, ProcessHandle.current().pid()));
                write(control, ByteBuffer.wrap(ControlMessage.ping(1).encode().getBytes(StandardCharsets.US_ASCII)));
                b.server.startHeartbeatWatchdog();
                Thread serving = new Thread(b.server::serve, "train-serve");
                serving.setDaemon(true);
                serving.start();
                boolean ok = converse(w);
                b.server.stopAccepting();
                return ok ? ExitCodes.OK : ExitCodes.INTERNAL;
            }
        } catch (Exception e) {
            WorkerLog.warn("training run failed: {}", e.toString());
            return ExitCodes.INTERNAL;
        } finally {
            if (dir != null) {
                deleteTree(dir);
            }
        }
    }

    /** One client: header, a message (and a ping where framed), half-close, read the answer to EOF or a deadline. */
    private static boolean converse(WorkerMain w) throws IOException {
        Framing framing = Framing.parse(w.framing);
        List<ByteBuffer> out = new ArrayList<>();
        out.add(ByteBuffer.wrap(ProxyV2.encode(new InetSocketAddress("127.0.0.1", 40000), new InetSocketAddress("127.0.0.1", 8888))));
        byte[] message;
        if (w.handler.equals("http-hello")) {
            message = "GET / HTTP/1.1\r\nHost: forkd\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
        } else if (w.handler.equals("json")) {
            message = "{\"hello\":\"forkd\"}".getBytes(StandardCharsets.US_ASCII);
        } else if (w.handler.equals(WorkerContract.CHAOS_HANDLER)) {
            message = "echo training".getBytes(StandardCharsets.US_ASCII);
        } else if (framing == Framing.JSON) {
            message = "{\"msg\": \"hello, forkd\"}".getBytes(StandardCharsets.US_ASCII);
        } else {
            message = "hello, forkd".getBytes(StandardCharsets.US_ASCII);
        }
        if (framing == Framing.FIXED) {
            message = java.util.Arrays.copyOf(message, w.fixedSize);
        }
        var encoder = Framings.encoder(framing, w.fixedSize);
        out.addAll(List.of(encoder.encode(ByteBuffer.wrap(message))));
        if (framing == Framing.LINE || framing == Framing.LENGTH || framing == Framing.JSON) {
            out.addAll(List.of(encoder.encode(ByteBuffer.wrap("{\"type\":\"ping\"}".getBytes(StandardCharsets.US_ASCII)))));
        }
        try (SocketChannel c = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            c.connect(UnixDomainSocketAddress.of(w.socket));
            for (ByteBuffer b : out) {
                write(c, b);
            }
            c.shutdownOutput();
            // a handler may never answer nor close: a watchdog ends the conversation
            Thread watchdog = new Thread(() -> {
                try {
                    Thread.sleep(CONVERSATION_MS);
                    c.close();
                } catch (InterruptedException | IOException e) {
                    Thread.currentThread().interrupt();
                }
            }, "train-watchdog");
            watchdog.setDaemon(true);
            watchdog.start();
            ByteBuffer in = ByteBuffer.allocate(4096);
            int total = 0;
            try {
                int n;
                while ((n = c.read(in)) >= 0) {
                    total += n;
                    in.clear();
                }
            } catch (IOException e) {
                WorkerLog.debug("training conversation: {}", e.toString());
            }
            watchdog.interrupt();
            return total > 0;
        }
    }

    private static void write(SocketChannel c, ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            c.write(b);
        }
    }

    private static void deleteTree(Path dir) {
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException e) {
                    WorkerLog.debug("removing {}: {}", p, e.toString());
                }
            });
        } catch (IOException e) {
            WorkerLog.debug("removing {}: {}", dir, e.toString());
        }
    }
}
