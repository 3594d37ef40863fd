package dev.forkd.worker.handlers;

import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.forkd.shared.WorkerContract;
import dev.forkd.shared.framing.Framing;
import org.junit.jupiter.api.Test;

class BuiltInHandlersTest {

    @Test
    void jsonFramingChangesStringValuesNotBytes() {
        assertInstanceOf(JsonStringsHandler.class, BuiltInHandlers.named("upper", Framing.JSON).get());
        assertInstanceOf(JsonStringsHandler.class, BuiltInHandlers.named("reverse", Framing.JSON).get());
    }

    @Test
    void otherFramingsKeepTheByteHandlers() {
        assertInstanceOf(UpperHandler.class, BuiltInHandlers.named("upper", Framing.LINE).get());
        assertInstanceOf(ReverseHandler.class, BuiltInHandlers.named("reverse", Framing.RAW).get());
        assertInstanceOf(EchoHandler.class, BuiltInHandlers.named("echo", Framing.JSON).get());
    }

    @Test
    void chaosIsBuiltInAndAnUnknownNameIsNone() {
        // whether chaos may run is HandlerFactory's decision (--enable-chaos), tested in HandlerFactoryTest
        assertInstanceOf(ChaosHandler.class, BuiltInHandlers.named(WorkerContract.CHAOS_HANDLER, Framing.RAW).get());
        assertNull(BuiltInHandlers.named("com.example.NoSuchHandler", Framing.RAW));
    }
}
