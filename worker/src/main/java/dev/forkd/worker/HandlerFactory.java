package dev.forkd.worker;

import dev.forkd.worker.handlers.BuiltInHandlers;
import dev.forkd.api.StreamHandler;
import dev.forkd.api.Handler;
import dev.forkd.shared.WorkerContract;
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
     * As {@link #load}, for a name that must be a message handler (the built-ins are).
     *
     * @throws BootException also when the class is a {@link StreamHandler}
     */
    static Supplier<Handler> forName(String name, ClassLoader loader, boolean chaosEnabled, Framing framing) throws BootException {
        Handlers h = load(name, loader, chaosEnabled, framing);
        if (h.stream()) {
            throw new BootException("handler class " + name + " is a " + StreamHandler.class.getName() + ", not a " + Handler.class.getName());
        }
        return h.messages();
    }

    /**
     * A built-in handler by name, else a user class implementing {@link Handler} or
     * {@link StreamHandler}. {@code chaosEnabled}: whether the worker was started with
     * {@code --enable-chaos}, without which "chaos" is refused. In json framing, upper and reverse
     * change the string values of each JSON value rather than its bytes, which would no longer be JSON.
     */
    static Handlers load(String name, ClassLoader loader, boolean chaosEnabled, Framing framing) throws BootException {
        Supplier<Handler> builtIn = builtIn(name, chaosEnabled, framing);
        return builtIn != null ? Handlers.ofMessages(builtIn) : userHandler(name, loader);
    }

    /** The built-in handler called {@code name}, or null when none is; chaos only where the worker was started to allow it. */
    private static Supplier<Handler> builtIn(String name, boolean chaosEnabled, Framing framing) throws BootException {
        if (name.equals(WorkerContract.CHAOS_HANDLER) && !chaosEnabled) {
            throw new BootException("handler chaos needs " + WorkerContract.OPT_ENABLE_CHAOS
                    + ": it lets any client crash, hang or exhaust this worker");
        }
        return BuiltInHandlers.named(name, framing);
    }

    private static Handlers userHandler(String className, ClassLoader loader) throws BootException {
        Class<?> cls;
        try {
            cls = Class.forName(className, true, loader);
        } catch (ClassNotFoundException | LinkageError e) {
            throw new BootException("handler class " + className + " cannot be loaded: " + e, e);
        }
        boolean messages = Handler.class.isAssignableFrom(cls);
        boolean streams = StreamHandler.class.isAssignableFrom(cls);
        if (messages && streams) {
            throw new BootException("handler class " + className + " implements both " + Handler.class.getName() + " and "
                    + StreamHandler.class.getName() + ": forkd cannot tell which style it means; implement one");
        }
        if (messages) {
            return Handlers.ofMessages(instances(cls.asSubclass(Handler.class), className));
        }
        if (streams) {
            return Handlers.ofStreams(instances(cls.asSubclass(StreamHandler.class), className));
        }
        throw new BootException("handler class " + className + " does not implement " + Handler.class.getName() + " (a message at a time)"
                + " or " + StreamHandler.class.getName() + " (the connection's streams, on a thread of its own)");
    }

    private static <T> Supplier<T> instances(Class<T> cls, String className) throws BootException {
        Constructor<T> ctor;
        try {
            ctor = cls.getConstructor();
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

    private static <T> T newInstance(Constructor<T> ctor, String className) throws BootException {
        try {
            return ctor.newInstance();
        } catch (InstantiationException | IllegalAccessException | InvocationTargetException e) {
            Throwable cause = e instanceof InvocationTargetException ? e.getCause() : e;
            throw new BootException("handler class " + className + " cannot be instantiated: " + cause, cause);
        }
    }
}
