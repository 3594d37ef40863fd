package dev.forkd.worker.handlers;

import dev.forkd.worker.common.WorkerExit;
import dev.forkd.worker.common.WorkerLog;
import dev.forkd.api.Connection;
import dev.forkd.api.Handler;
import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Commands for crash-isolation experiments, one per message (forkd runs it in line framing, so a
 * message is a line): {@code pid}, {@code crash}, {@code exit N}, {@code hang}, {@code oom},
 * {@code sleep MS}, {@code echo TEXT}. {@code crash}, {@code exit}, {@code hang} and {@code oom}
 * end or freeze the whole worker, with every connection it serves; that is the point. Anything
 * malformed gets an {@code error: ...} reply and changes nothing: only the commands themselves
 * harm the worker. Off unless the worker was started with {@code --enable-chaos}.
 */
final class ChaosHandler implements Handler {

    static final String COMMANDS = "pid, crash, exit N, hang, oom, sleep MS, echo TEXT";
    /** The exit code of {@code crash}. */
    static final int CRASH_EXIT = 1;
    /** What -XX:+ExitOnOutOfMemoryError exits with, so also what the supervisor reports as out of memory. */
    static final int OOM_EXIT = 3;
    /** A bad command is quoted back at most this long. */
    private static final int MAX_QUOTE = 80;

    /** What the commands do to the worker process; tests replace it, since their JVM must survive. */
    interface Effects {
        long pid();

        /** Ends the JVM at once with {@code code}; does not return. */
        void halt(int code);

        /** Sends SIGSTOP to this JVM; returns only if someone sends SIGCONT. */
        void stopSelf() throws IOException, InterruptedException;

        /** Allocates until the heap is exhausted; the JVM exits on the OutOfMemoryError. Does not return. */
        void exhaustMemory();
    }

    static final Effects REAL = new Effects() {
        @Override
        public long pid() {
            return ProcessHandle.current().pid();
        }

        @Override
        public void halt(int code) {
            // flushes the log, then halts: no shutdown hook or other thread gets a say
            WorkerExit.now(code);
        }

        @Override
        public void stopSelf() throws IOException, InterruptedException {
            // SIGSTOP cannot be caught: every thread stops, the control channel's heartbeat answers with them
            Process kill = new ProcessBuilder("kill", "-STOP", Long.toString(pid())).inheritIO().start();
            int code = kill.waitFor();
            if (code != 0) {
                throw new IOException("kill -STOP exited with code " + code);
            }
        }

        @Override
        public void exhaustMemory() {
            List<byte[]> hog = new ArrayList<>();
            try {
                while (true) {
                    hog.add(new byte[8 << 20]);
                }
            } catch (OutOfMemoryError e) {
                // -XX:+ExitOnOutOfMemoryError normally ends the JVM before this; without it, end it the same way
                hog = null;
                WorkerExit.now(OOM_EXIT);
            }
        }
    };

    private final Effects effects;

    ChaosHandler() {
        this(REAL);
    }

    ChaosHandler(Effects effects) {
        this.effects = effects;
    }

    @Override
    public void onMessage(Connection c, ByteBuffer message) throws Exception {
        String line = UTF_8.decode(message).toString().trim();
        int space = firstWhitespace(line);
        String command = space < 0 ? line : line.substring(0, space);
        String argument = space < 0 ? "" : line.substring(space + 1).stripLeading();
        switch (command.toLowerCase(Locale.ROOT)) {
            case "pid":
                if (noArgument(c, command, argument)) {
                    reply(c, Long.toString(effects.pid()));
                }
                break;
            case "crash":
                if (noArgument(c, command, argument)) {
                    WorkerLog.warn("chaos: connection {} from {} asked for a crash; halting with exit code {}", c.id(), client(c), CRASH_EXIT);
                    effects.halt(CRASH_EXIT);
                }
                break;
            case "exit":
                exit(c, argument);
                break;
            case "hang":
                if (noArgument(c, command, argument)) {
                    hang(c);
                }
                break;
            case "oom":
                if (noArgument(c, command, argument)) {
                    WorkerLog.warn("chaos: connection {} from {} asked for an OutOfMemoryError; allocating until the heap is full",
                            c.id(), client(c));
                    effects.exhaustMemory();
                }
                break;
            case "sleep":
                sleep(c, argument);
                break;
            case "echo":
                reply(c, argument);
                break;
            default:
                reply(c, "error: unknown command '" + quote(line) + "' (" + COMMANDS + ")");
                break;
        }
    }

    private void exit(Connection c, String argument) throws IOException {
        int code;
        try {
            code = Integer.parseInt(argument);
        } catch (NumberFormatException e) {
            code = -1;
        }
        if (code < 0 || code > 255) {
            reply(c, "error: exit needs a code from 0 to 255, not '" + quote(argument) + "'");
            return;
        }
        WorkerLog.warn("chaos: connection {} from {} asked for exit code {}; halting", c.id(), client(c), code);
        effects.halt(code);
    }

    private void hang(Connection c) throws IOException {
        long pid = effects.pid();
        WorkerLog.warn("chaos: connection {} from {} asked for a hang; stopping this worker (pid {}) with SIGSTOP, heartbeat included",
                c.id(), client(c), pid);
        try {
            effects.stopSelf();
        } catch (IOException e) {
            WorkerLog.error("chaos: cannot stop this worker: {}", e.getMessage());
            reply(c, "error: cannot stop this worker: " + e.getMessage());
            return;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        }
        // only after a SIGCONT from outside: the supervisor normally kills a stopped worker first
        WorkerLog.warn("chaos: worker (pid {}) continued after SIGSTOP", pid);
        reply(c, "resumed");
    }

    private void sleep(Connection c, String argument) throws IOException {
        long ms;
        try {
            ms = Long.parseLong(argument);
        } catch (NumberFormatException e) {
            ms = -1;
        }
        if (ms < 0) {
            reply(c, "error: sleep needs a number of milliseconds (0 or more), not '" + quote(argument) + "'");
            return;
        }
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        }
        reply(c, "slept " + ms);
    }

    /** True if there is none; otherwise says so to the client. */
    private static boolean noArgument(Connection c, String command, String argument) throws IOException {
        if (argument.isEmpty()) {
            return true;
        }
        reply(c, "error: " + command + " takes no argument, not '" + quote(argument) + "'");
        return false;
    }

    private static void reply(Connection c, String text) throws IOException {
        c.reply(ByteBuffer.wrap(text.getBytes(UTF_8)));
    }

    private static int firstWhitespace(String s) {
        for (int i = 0; i < s.length(); i++) {
            if (Character.isWhitespace(s.charAt(i))) {
                return i;
            }
        }
        return -1;
    }

    /** A client's text to quote in an error, cut short so that a megabyte line is not sent back. */
    private static String quote(String s) {
        if (s.length() <= MAX_QUOTE) {
            return s;
        }
        int end = Character.isHighSurrogate(s.charAt(MAX_QUOTE - 1)) ? MAX_QUOTE - 1 : MAX_QUOTE;
        return s.substring(0, end) + "...";
    }

    private static String client(Connection c) {
        InetSocketAddress a = c.clientAddress();
        return a == null ? "(unknown)" : a.getAddress().getHostAddress() + ":" + a.getPort();
    }
}
