package dev.forkd.worker;

import dev.forkd.worker.common.Protocol;
import dev.forkd.api.Handler;
import dev.forkd.api.Connection;
import dev.forkd.api.StreamConnection;
import dev.forkd.api.StreamHandler;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.forkd.shared.framing.Framing;
import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

/** Which style a user's handler class is, and where a stream handler may run. */
class StreamHandlerStyleTest {
    private static final ClassLoader LOADER = StreamHandlerStyleTest.class.getClassLoader();

    public static class Lines implements StreamHandler {
        @Override
        public void handle(StreamConnection connection) {
        }
    }

    public static class Greeter extends Lines {
        @Override
        public boolean speaksFirst() {
            return true;
        }
    }

    public static class Both extends Lines implements Handler {
        @Override
        public boolean speaksFirst() {
            return false;
        }

        @Override
        public void onMessage(Connection connection, ByteBuffer message) {
        }
    }

    public static class NeedsArgument extends Lines {
        public NeedsArgument(String argument) {
        }
    }

    private static Handlers load(String name) throws BootException {
        return HandlerFactory.load(name, LOADER, false, Framing.RAW);
    }

    private static Protocol protocol(Framing framing) {
        return new Protocol(framing, 1024, framing == Framing.FIXED ? 8 : 0, 4096, 0);
    }

    @Test
    void aStreamHandlerClassGivesAFreshInstancePerConnection() throws BootException {
        Handlers h = load(Lines.class.getName());
        assertTrue(h.stream());
        StreamHandler first = h.streams().get();
        assertInstanceOf(Lines.class, first);
        assertNotSame(first, h.streams().get());
        assertFalse(h.speaksFirst());
        assertTrue(load(Greeter.class.getName()).speaksFirst());
    }

    @Test
    void aMessageHandlerIsStillOne() throws BootException {
        assertFalse(load(HandlerFactoryTest.Good.class.getName()).stream());
        assertFalse(load("upper").stream());
    }

    @Test
    void aClassOfBothStylesIsRefused() {
        String m = assertThrows(BootException.class, () -> load(Both.class.getName())).getMessage();
        assertTrue(m.contains("implements both dev.forkd.api.Handler and dev.forkd.api.StreamHandler"), m);
    }

    @Test
    void aClassOfNeitherStyleNamesBoth() {
        String m = assertThrows(BootException.class, () -> load("java.lang.String")).getMessage();
        assertTrue(m.contains("does not implement dev.forkd.api.Handler") && m.contains("or dev.forkd.api.StreamHandler"), m);
    }

    @Test
    void aStreamHandlerNeedsAPublicNoArgumentConstructor() {
        String m = assertThrows(BootException.class, () -> load(NeedsArgument.class.getName())).getMessage();
        assertTrue(m.contains("no public no-argument constructor"), m);
    }

    @Test
    void forNameAsksForAMessageHandler() {
        String m = assertThrows(BootException.class, () -> HandlerFactory.forName(Lines.class.getName(), LOADER)).getMessage();
        assertTrue(m.contains("is a dev.forkd.api.StreamHandler"), m);
    }

    @Test
    void aStreamHandlerRunsInEveryModelWithAThreadPerConnection() throws BootException {
        Handlers h = load(Lines.class.getName());
        h.requireServable("com.example.Lines", ConnectionModel.ONE_AT_A_TIME, protocol(Framing.RAW));
        h.requireServable("com.example.Lines", ConnectionModel.THREAD_PER_CONNECTION, protocol(Framing.RAW));
    }

    @Test
    void eventedRefusesAStreamHandlerNamingTheModelsThatWork() throws BootException {
        Handlers h = load(Lines.class.getName());
        String m = assertThrows(BootException.class,
                () -> h.requireServable("com.example.Lines", ConnectionModel.EVENT_LOOP, protocol(Framing.RAW))).getMessage();
        assertTrue(m.startsWith("handler com.example.Lines is a StreamHandler"), m);
        assertTrue(m.contains("--model evented") && m.contains("--model threaded") && m.contains("prefork"), m);
        // a message handler is fine there
        load("upper").requireServable("upper", ConnectionModel.EVENT_LOOP, protocol(Framing.LINE));
    }

    @Test
    void aFramingOtherThanRawIsRefused() throws BootException {
        Handlers h = load(Lines.class.getName());
        for (Framing f : new Framing[] {Framing.LINE, Framing.LENGTH, Framing.FIXED, Framing.JSON}) {
            String m = assertThrows(BootException.class,
                    () -> h.requireServable("com.example.Lines", ConnectionModel.THREAD_PER_CONNECTION, protocol(f))).getMessage();
            assertTrue(m.contains("use --framing raw (the default)"), m);
        }
    }
}
