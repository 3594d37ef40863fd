package dev.forkd.worker.handlers;

import dev.forkd.api.Connection;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The chaos commands against a fake connection. crash, exit, hang and oom only reach a fake
 * {@link ChaosHandler.Effects} here: run for real they would end or freeze the test JVM (the
 * integration tests run them in real workers).
 */
class ChaosHandlerTest {

    /** Each reply as one string, as a framed connection would send it. */
    static final class FakeConnection implements Connection {
        final List<String> replies = new ArrayList<>();
        boolean open = true;

        @Override
        public long id() {
            return 7;
        }

        @Override
        public InetSocketAddress clientAddress() {
            return new InetSocketAddress("127.0.0.1", 50000);
        }

        @Override
        public InetSocketAddress localAddress() {
            return null;
        }

        @Override
        public void reply(ByteBuffer message) {
            replies.add(UTF_8.decode(message).toString());
        }

        @Override
        public void close() {
            open = false;
        }

        @Override
        public boolean isOpen() {
            return open;
        }
    }

    /** Records what the commands asked of the process instead of doing it. */
    static final class FakeEffects implements ChaosHandler.Effects {
        final List<String> calls = new ArrayList<>();
        IOException stopFailure;

        @Override
        public long pid() {
            return 4242;
        }

        @Override
        public void halt(int code) {
            calls.add("halt " + code);
        }

        @Override
        public void stopSelf() throws IOException {
            calls.add("stop");
            if (stopFailure != null) {
                throw stopFailure;
            }
        }

        @Override
        public void exhaustMemory() {
            calls.add("oom");
        }
    }

    private final FakeEffects effects = new FakeEffects();
    private final FakeConnection connection = new FakeConnection();
    private final ChaosHandler handler = new ChaosHandler(effects);

    private List<String> send(String... messages) throws Exception {
        for (String m : messages) {
            handler.onMessage(connection, ByteBuffer.wrap(m.getBytes(UTF_8)));
        }
        return connection.replies;
    }

    private String only(String message) throws Exception {
        List<String> replies = send(message);
        assertEquals(1, replies.size(), replies.toString());
        return replies.get(0);
    }

    @Test
    void pidIsTheWorkersPid() throws Exception {
        assertEquals("4242", only("pid"));
        assertEquals(List.of(), effects.calls);
    }

    @Test
    void realPidIsThisJvms() {
        assertEquals(ProcessHandle.current().pid(), ChaosHandler.REAL.pid());
    }

    @Test
    void echoRepliesTheText() throws Exception {
        assertEquals(List.of("hello world", "inner  spaces kept", "", "é"),
                send("echo hello world", "echo   \t  inner  spaces kept  ", "echo", "echo é"));
    }

    @Test
    void aMessageIsTrimmedAndTheCommandIsCaseInsensitive() throws Exception {
        assertEquals(List.of("4242", "4242", "x"), send("  pid \r", "PID", "Echo x"));
    }

    @Test
    void sleepSleepsThenSaysSo() throws Exception {
        long start = System.nanoTime();
        assertEquals(List.of("slept 50", "slept 0"), send("sleep 50", "sleep 0"));
        assertTrue(System.nanoTime() - start >= 50_000_000L, "slept at least 50 ms");
    }

    @ParameterizedTest
    @ValueSource(strings = {"sleep", "sleep -1", "sleep soon", "sleep 1.5", "sleep 99999999999999999999"})
    void badSleepIsAnError(String message) throws Exception {
        String reply = only(message);
        assertTrue(reply.startsWith("error: sleep needs a number of milliseconds"), reply);
    }

    @ParameterizedTest
    @ValueSource(strings = {"exit", "exit -1", "exit 256", "exit seven", "exit 7 8", "exit 2147483648"})
    void badExitCodeIsAnErrorAndNothingHalts(String message) throws Exception {
        String reply = only(message);
        assertTrue(reply.startsWith("error: exit needs a code from 0 to 255, not '"), reply);
        assertEquals(List.of(), effects.calls);
    }

    @Test
    void exitHaltsWithTheCode() throws Exception {
        send("exit 0", "exit 7", "exit 255");
        assertEquals(List.of("halt 0", "halt 7", "halt 255"), effects.calls);
        assertEquals(List.of(), connection.replies, "no reply: the worker is gone");
    }

    @Test
    void crashHaltsWithOne() throws Exception {
        send("crash");
        assertEquals(List.of("halt " + ChaosHandler.CRASH_EXIT), effects.calls);
        assertEquals(List.of(), connection.replies);
    }

    @Test
    void oomExhaustsMemory() throws Exception {
        send("oom");
        assertEquals(List.of("oom"), effects.calls);
    }

    @Test
    void hangStopsTheWorkerAndSaysSoIfContinued() throws Exception {
        assertEquals("resumed", only("hang"));
        assertEquals(List.of("stop"), effects.calls);
    }

    @Test
    void hangThatCannotStopTheWorkerIsAnError() throws Exception {
        effects.stopFailure = new IOException("no kill here");
        assertEquals("error: cannot stop this worker: no kill here", only("hang"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"pid 1", "crash now", "hang 10s", "oom 1g"})
    void argumentsToCommandsThatTakeNoneAreErrors(String message) throws Exception {
        String reply = only(message);
        assertTrue(reply.startsWith("error: ") && reply.contains("takes no argument"), reply);
        assertEquals(List.of(), effects.calls, "a typo must not crash the worker");
    }

    @Test
    void unknownCommandListsTheCommands() throws Exception {
        assertEquals("error: unknown command 'explode now' (pid, crash, exit N, hang, oom, sleep MS, echo TEXT)", only("explode now"));
        assertEquals(List.of(), effects.calls);
    }

    @Test
    void emptyMessageIsAnUnknownCommand() throws Exception {
        assertTrue(only("").startsWith("error: unknown command ''"));
    }

    @Test
    void aLongBadCommandIsQuotedShort() throws Exception {
        String reply = only("x".repeat(100_000));
        assertTrue(reply.length() < 200, reply);
        assertTrue(reply.contains("x".repeat(80) + "..."), reply);
    }

    @Test
    void theConnectionStaysOpenAfterErrors() throws Exception {
        send("nope", "exit x", "sleep y", "pid");
        assertTrue(connection.isOpen());
        assertEquals("4242", connection.replies.get(3));
    }
}
