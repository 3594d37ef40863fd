package dev.forkd.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.jar.JarFile;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * examples/handler as its README tells a user to run it: forkd.jar serves the jar that project's own
 * build made (against forkd-worker-api alone), and clients talk to it over TCP. What only that
 * handler does (a key/value store per connection) shows that it is the one serving.
 */
class HandlerExampleIT {
    private static final Duration LONG = Duration.ofSeconds(20);
    private static final String HANDLER = "com.example.kv.KvHandler";

    /** Built by examples/handler in the reactor before dist (dist's test dependency on it orders them). */
    private static Path exampleJar() {
        String property = System.getProperty("forkd.example.handler.jar");
        assertTrue(property != null, "failsafe names the example's jar in forkd.example.handler.jar");
        Path jar = Path.of(property).toAbsolutePath();
        assertTrue(Files.isRegularFile(jar), jar + " is missing: build with the reactor (mvn verify -pl dist -am), which builds examples/handler first");
        return jar;
    }

    private static ForkdProcess serveExample(String model) throws IOException {
        return ForkdProcess.serve("handler-example-" + model, "--model", model, "--workers", "2", "--framing", "line",
                "--handler", HANDLER, "--worker-classpath", exampleJar().toString());
    }

    @ParameterizedTest
    @ValueSource(strings = {"prefork", "threaded", "evented"})
    void eachConnectionKeepsItsOwnStoreForAsLongAsItLasts(String model) throws Exception {
        try (ForkdProcess forkd = serveExample(model)) {
            int port = forkd.port();
            try (Client a = new Client(port); Client b = new Client(port)) {
                assertEquals("OK", a.ask("SET colour blue"));
                assertEquals("OK", a.ask("set greeting hello, world"));
                // b is open at the same time (another worker in prefork, maybe the same one otherwise): its own store
                assertEquals("(nil)", b.ask("GET colour"));
                assertEquals("OK", b.ask("SET colour red"));
                assertEquals("red", b.ask("GET colour"));
                assertEquals("blue", a.ask("GET colour"), "a's value, not b's");
                assertEquals("hello, world", a.ask("GET greeting"));
                assertEquals("2", a.ask("SIZE"));
                assertTrue(a.ask("FLY away").startsWith("ERR "), "a bad command is answered");
                assertEquals("1", a.ask("DEL colour"));
                assertEquals("1", a.ask("SIZE"), "a bad command changed nothing; DEL did");
                // QUIT: the handler replies, then closes its connection; the BYE arrives before the end
                assertEquals("BYE", a.ask("QUIT"));
                assertTrue(a.endsWithin(LONG), "the handler closed the connection after QUIT");
                assertEquals("1", b.ask("SIZE"), "b is untouched by a's end");
            }
            try (Client c = new Client(port)) {
                assertEquals("(nil)", c.ask("GET greeting"), "a new connection starts empty: the store lived as long as its connection");
            }
            // (not every WARN: under evented, a cold worker's first calls on a loaded machine may pass the blocked-loop threshold)
            assertEquals(0, forkd.countLines("ERROR|handler .* failed|bad input"), "no handler failure: " + forkd.output());
        }
    }

    /** The client half-closes after its commands (as a piped nc does): every reply still comes, then the end. */
    @ParameterizedTest
    @ValueSource(strings = {"prefork", "threaded", "evented"})
    void aClientThatHalfClosesGetsEveryReply(String model) throws Exception {
        try (ForkdProcess forkd = serveExample(model); Client c = new Client(forkd.port())) {
            c.send("SET a 1\nSET b 2\nGET a\nSIZE\n");
            c.shutdownOutput();
            List<String> replies = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                replies.add(c.readLine());
            }
            assertEquals(List.of("OK", "OK", "1", "2"), replies);
            assertTrue(c.endsWithin(LONG), "the connection ends once the replies are sent");
        }
    }

    /** The jar holds the handler alone: forkd-worker-api was provided, so the workers use forkd.jar's API classes. */
    @Test
    void theExampleJarCarriesTheHandlerButNotTheApi() throws Exception {
        try (JarFile jar = new JarFile(exampleJar().toFile())) {
            List<String> classes = jar.stream().map(e -> e.getName()).filter(n -> n.endsWith(".class")).collect(Collectors.toList());
            assertEquals(List.of("com/example/kv/KvHandler.class"), classes);
        }
    }
}
