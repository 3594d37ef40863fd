package dev.forkd.worker.handlers;

import dev.forkd.api.Handler;
import dev.forkd.shared.WorkerContract;
import dev.forkd.shared.compute.ComputeWork;
import dev.forkd.shared.framing.Framing;
import java.util.function.Supplier;

/** The handlers that come with forkd, by the name --handler gives them: this package's only way in. */
public final class BuiltInHandlers {
    private BuiltInHandlers() {
    }

    /**
     * The built-in handler called {@code name}, or null when none is. In json framing, upper and
     * reverse change the string values of each JSON value rather than its bytes, which would no
     * longer be JSON. Whether chaos may be served ({@code --enable-chaos}) is the caller's to decide.
     */
    public static Supplier<Handler> named(String name, Framing framing) {
        boolean json = framing == Framing.JSON;
        switch (name) {
            case "upper":
                return json ? () -> new JsonStringsHandler(JsonStringsHandler::upper) : UpperHandler::new;
            case "echo":
                return EchoHandler::new;
            case "reverse":
                return json ? () -> new JsonStringsHandler(JsonStringsHandler::reverse) : ReverseHandler::new;
            case "http-hello":
                return HttpHelloHandler::new;
            case "sha256":
                return () -> new ComputeHandler(ComputeWork.Kind.SHA256);
            case "json":
                return () -> new ComputeHandler(ComputeWork.Kind.JSON);
            case "chat":
                return ChatHandler::new;
            case WorkerContract.CHAOS_HANDLER:
                return ChaosHandler::new;
            default:
                return null;
        }
    }
}
