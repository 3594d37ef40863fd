package dev.forkd.shared;

/**
 * How the supervisor starts a worker: the main class (named as a string, since the supervisor
 * never imports the worker) and the option names both sides must spell alike.
 */
public final class WorkerContract {
    public static final String MAIN_CLASS = "dev.forkd.worker.WorkerMain";

    public static final String OPT_ID = "--id";
    public static final String OPT_SOCKET = "--socket";
    public static final String OPT_CONTROL = "--control";
    public static final String OPT_HANDLER = "--handler";
    public static final String OPT_THREADED = "--threaded";
    /** One event loop serves all of the worker's connections ({@code --model evented}); excludes {@link #OPT_THREADED}. */
    public static final String OPT_EVENTED = "--evented";
    public static final String OPT_BUFFER_SIZE = "--buffer-size";
    public static final String OPT_FRAMING = "--framing";
    public static final String OPT_MAX_FRAME = "--max-frame";
    public static final String OPT_FIXED_SIZE = "--fixed-size";
    public static final String OPT_HEARTBEAT_TIMEOUT_MS = "--heartbeat-timeout-ms";
    public static final String OPT_WORKER_CLASSPATH = "--worker-classpath";
    /** Deliveries a connection may have waiting (its outbox) before it is dropped as slow. */
    public static final String OPT_OUTBOX = "--outbox";
    /**
     * The supervisor gives each connection a worker at once, not at its first bytes
     * ({@code serve --handler-speaks-first}); a worker whose handler speaks first without it warns.
     */
    public static final String OPT_HANDLER_SPEAKS_FIRST = "--handler-speaks-first";
    /** Without it a worker refuses the {@code chaos} handler, whose commands let any client crash it. */
    public static final String OPT_ENABLE_CHAOS = "--enable-chaos";

    /**
     * Instead of serving: one worker's life in miniature (boot, ready, a ping, one client
     * conversation), in-process, then a normal exit. The supervisor runs it once under
     * -XX:ArchiveClassesAtExit to make the class-data archive that later workers start with.
     */
    public static final String OPT_TRAIN = "--train";

    /** The handler whose commands crash, hang, exit or exhaust the worker; needs {@link #OPT_ENABLE_CHAOS}. */
    public static final String CHAOS_HANDLER = "chaos";

    /** The built-in handlers; any other name containing a dot is a user class. */
    public static final String[] BUILT_IN_HANDLERS = {"upper", "echo", "reverse", "http-hello", "sha256", "json", "chat", CHAOS_HANDLER};

    private WorkerContract() {
    }

    public static boolean isBuiltInHandler(String name) {
        for (String h : BUILT_IN_HANDLERS) {
            if (h.equals(name)) {
                return true;
            }
        }
        return false;
    }

    /** A user handler is named by its fully qualified class name. */
    public static boolean looksLikeClassName(String name) {
        return name.matches("[\\p{javaJavaIdentifierStart}][\\p{javaJavaIdentifierPart}]*(\\.[\\p{javaJavaIdentifierStart}][\\p{javaJavaIdentifierPart}]*)+");
    }
}
