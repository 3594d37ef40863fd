package dev.forkd.worker;

import dev.forkd.api.Handler;
import dev.forkd.shared.WorkerContract;
import dev.forkd.shared.compute.ComputeWork;
import dev.forkd.shared.framing.Framing;
import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.util.function.Supplier;

/** Turns a handler name from the command line into a supplier of per-connection instances. */
final class HandlerFactory {
    private HandlerFactory() {
    }

    /** As {@link #forName(String, ClassLoader, boolean)} with chaos disabled. */
    static Supplier<Handler> forName(String name, ClassLoader loader) throws BootException {
        return forName(name, loader, false);
    }

    /** As {@link #forName(String, ClassLoader, boolean, Framing)} in raw framing. */
    static Supplier<Handler> forName(String name, ClassLoader loader, boolean chaosEnabled) throws BootException {
        return forName(name, loader, chaosEnabled, Framing.RAW);
    }

    /**
     * {@code chaosEnabled}: whether the worker was started with {@code --enable-chaos}, without
     * which "chaos" is refused. In json framing, upper and reverse change the string values of
     * each JSON value rather than its bytes, which would no longer be JSON.
     */
    static Supplier<Handler> forName(String name, ClassLoader loader, boolean chaosEnabled, Framing framing) throws BootException {
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
                if (!chaosEnabled) {
                    throw new BootException("handler chaos needs " + WorkerContract.OPT_ENABLE_CHAOS
                            + ": it lets any client crash, hang or exhaust this worker");
                }
                return ChaosHandler::new;
            default:
                return userHandler(name, loader);
        }
    }

    private static Supplier<Handler> userHandler(String className, ClassLoader loader) throws BootException {
        Class<?> cls;
        try {
            cls = Class.forName(className, true, loader);
        } catch (ClassNotFoundException | LinkageError e) {
            throw new BootException("handler class " + className + " cannot be loaded: " + e, e);
        }
        if (!Handler.class.isAssignableFrom(cls)) {
            throw new BootException("handler class " + className + " does not implement " + Handler.class.getName());
        }
        Constructor<? extends Handler> ctor;
        try {
            ctor = cls.asSubclass(Handler.class).getConstructor();
        } catch (NoSuchMethodException e) {
            throw new BootException("handler class " + className + " has no public no-argument constructor", e);
        }
        // one instance now, so that a constructor that always fails is a boot failure, not a failure per connection
        newInstance(ctor, className);
        return () -> {
            try {
                return newInstance(ctor, className);
            } catch (BootException e) {
                throw new IllegalStateException(e.getMessage(), e.getCause());
            }
        };
    }

    private static Handler newInstance(Constructor<? extends Handler> ctor, String className) throws BootException {
        try {
            return ctor.newInstance();
        } catch (InstantiationException | IllegalAccessException | InvocationTargetException e) {
            Throwable cause = e instanceof InvocationTargetException ? e.getCause() : e;
            throw new BootException("handler class " + className + " cannot be instantiated: " + cause, cause);
        }
    }
}
