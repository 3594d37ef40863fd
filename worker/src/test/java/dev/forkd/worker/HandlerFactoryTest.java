package dev.forkd.worker;

import dev.forkd.api.Connection;
import dev.forkd.api.Handler;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

class HandlerFactoryTest {
    private static final ClassLoader LOADER = HandlerFactoryTest.class.getClassLoader();

    public static class Good implements Handler {
        @Override
        public void onMessage(Connection connection, ByteBuffer message) {
        }
    }

    public static class NeedsArgument extends Good {
        public NeedsArgument(String argument) {
        }
    }

    public static class FailsToConstruct extends Good {
        public FailsToConstruct() {
            throw new IllegalStateException("no config here");
        }
    }

    private static Supplier<Handler> forName(String name) throws BootException {
        return HandlerFactory.forName(name, LOADER);
    }

    private static String bootFailure(String name) {
        return assertThrows(BootException.class, () -> forName(name)).getMessage();
    }

    @Test
    void builtIns() throws BootException {
        assertBuiltIn("UpperHandler", forName("upper").get());
        assertBuiltIn("EchoHandler", forName("echo").get());
        assertBuiltIn("ReverseHandler", forName("reverse").get());
        assertBuiltIn("ComputeHandler", forName("sha256").get());
        assertBuiltIn("ComputeHandler", forName("json").get());
    }

    @Test
    void chaosOnlyWhenEnabled() throws BootException {
        String m = bootFailure("chaos");
        assertTrue(m.contains("--enable-chaos"), m);
        assertThrows(BootException.class, () -> HandlerFactory.forName("chaos", LOADER, false));
        Supplier<Handler> s = HandlerFactory.forName("chaos", LOADER, true);
        assertBuiltIn("ChaosHandler", s.get());
        assertNotSame(s.get(), s.get(), "one instance per connection");
    }

    @Test
    void userClassGivesAFreshInstancePerConnection() throws BootException {
        Supplier<Handler> s = forName(Good.class.getName());
        Handler first = s.get();
        assertInstanceOf(Good.class, first);
        assertNotSame(first, s.get());
    }

    @Test
    void missingClass() {
        String m = bootFailure("com.example.NoSuchHandler");
        assertTrue(m.contains("com.example.NoSuchHandler"), m);
    }

    @Test
    void notAHandler() {
        String m = bootFailure("java.lang.String");
        assertTrue(m.contains("java.lang.String does not implement dev.forkd.api.Handler"), m);
    }

    @Test
    void noPublicNoArgumentConstructor() {
        String m = bootFailure(NeedsArgument.class.getName());
        assertTrue(m.contains("no public no-argument constructor"), m);
    }

    @Test
    void throwingConstructorIsABootFailure() {
        BootException e = assertThrows(BootException.class, () -> forName(FailsToConstruct.class.getName()));
        assertTrue(e.getMessage().contains("cannot be instantiated") && e.getMessage().contains("no config here"), e.getMessage());
        assertEquals(IllegalStateException.class, e.getCause().getClass());
    }

    @Test
    void noBuiltInHandlerSpeaksFirst() throws Exception {
        for (String name : dev.forkd.shared.WorkerContract.BUILT_IN_HANDLERS) {
            // the supervisor decides for built-ins without asking them: they must all wait for the client
            org.junit.jupiter.api.Assertions.assertFalse(HandlerFactory.forName(name, LOADER, true).get().speaksFirst(), name);
        }
    }

    /** The built-in handlers are package-private to dev.forkd.worker.handlers: told apart by name. */
    private static void assertBuiltIn(String simpleName, Object handler) {
        assertEquals("dev.forkd.worker.handlers." + simpleName, handler.getClass().getName());
    }
}
