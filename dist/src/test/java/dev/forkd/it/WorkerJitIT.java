package dev.forkd.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The workers' JIT per model, as the real workers run it: their command lines in /proc, the start
 * line that says which, and a compute-bound built-in handler answered end to end.
 */
class WorkerJitIT {

    private static List<String> cmdline(long pid) throws IOException {
        return Arrays.asList(Files.readString(Path.of("/proc/" + pid + "/cmdline"), StandardCharsets.UTF_8).split("\0"));
    }

    private static byte[] lengthFrame(String text) {
        byte[] b = text.getBytes(StandardCharsets.US_ASCII);
        return ByteBuffer.allocate(4 + b.length).putInt(b.length).put(b).array();
    }

    @Test
    void preforkWorkersRunC2AndAnswerTheComputeHandler() throws Exception {
        try (ForkdProcess forkd = ForkdProcess.serve("jit-prefork", "--workers", "1", "--handler", "sha256", "--framing", "length")) {
            int port = forkd.port();
            assertTrue(forkd.output().contains("workers' JIT: full (tiered, C1 and C2)"), forkd.output());
            long pid = forkd.readyWorkers().values().iterator().next();
            List<String> args = cmdline(pid);
            assertTrue(args.contains("-XX:CICompilerCount=2"), args.toString());
            assertFalse(args.stream().anyMatch(a -> a.startsWith("-XX:TieredStopAtLevel")), "no C1-only cap: " + args);
            try (Client c = new Client(port)) {
                c.send(lengthFrame("abc"));
                assertEquals(64, ByteBuffer.wrap(c.read(4)).getInt());
                assertEquals("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", c.readString(64));
            }
        }
    }

    @Test
    void forkPerConnectionWorkersBootWithC1Alone() throws Exception {
        try (ForkdProcess forkd = ForkdProcess.serve("jit-fpc", "--model", "fork-per-connection", "--workers", "1", "--spares", "1")) {
            forkd.port();
            assertTrue(forkd.output().contains("workers' JIT: fast (C1 only)"), forkd.output());
            List<String> args = cmdline(forkd.readyWorkers().values().iterator().next());
            assertTrue(args.contains("-XX:TieredStopAtLevel=1") && args.contains("-XX:CICompilerCount=1"), args.toString());
        }
    }

    @Test
    void anExplicitJitWithAJitOptionExits2() throws Exception {
        try (ForkdProcess forkd = ForkdProcess.serve("jit-conflict", "--workers", "1", "--worker-jit", "fast",
                "--worker-jvm-opt=-XX:TieredStopAtLevel=4")) {
            assertEquals(2, forkd.awaitExit(Duration.ofSeconds(30)));
            assertTrue(forkd.output().contains("--worker-jit fast and --worker-jvm-opt -XX:TieredStopAtLevel=4 both choose the workers' JIT"),
                    forkd.output());
        }
    }
}
