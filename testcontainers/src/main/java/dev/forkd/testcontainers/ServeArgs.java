package dev.forkd.testcontainers;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The {@code forkd serve} arguments of a {@link ForkdContainer}: what the user chose with its
 * {@code with...} methods and {@link #extra extra arguments}, plus the addresses and the token file
 * the container manages itself. Options given twice would make forkd exit 2 ("should be specified
 * only once") after the container started; they are refused here, before, with the method to use.
 */
final class ServeArgs {
    /** Options the container always sets: the user changes them through its methods, never as arguments. */
    private static final Map<String, String> MANAGED = Map.of(
            "--host", "withHostNetwork(clientPort, adminPort) or the bridge network's mapped ports",
            "--port", "withHostNetwork(clientPort, adminPort) or getClientPort()",
            "-b", "withHostNetwork(clientPort, adminPort) or getClientPort()",
            "--bind", "withHostNetwork(clientPort, adminPort) or getClientPort()",
            "--admin", "getAdminPort(); the container always serves the admin endpoint",
            "--admin-token-file", "getAdminToken(); the container makes the token and sends it");

    /** Options that have a method of their own; given both ways they are refused. */
    private final Map<String, String> chosen = new LinkedHashMap<>();
    /** The container's own choices where forkd's would not suit a test; any choice of the user's replaces them. */
    private final Map<String, String> defaults = new LinkedHashMap<>();
    private final List<String> classpath = new ArrayList<>();
    private final List<String> extra = new ArrayList<>();
    private boolean chaos;

    void set(String option, String value) {
        chosen.put(option, value);
    }

    void setDefault(String option, String value) {
        defaults.put(option, value);
    }

    void addClasspath(String containerPath) {
        classpath.add(containerPath);
    }

    void chaos() {
        chaos = true;
        chosen.put("--handler", "chaos");
    }

    boolean chaosEnabled() {
        return chaos;
    }

    /** Checks each argument now, so that the mistake points at the line that made it. */
    void extra(String... args) {
        for (String a : args) {
            if (a == null) {
                throw new IllegalArgumentException("a null argument for forkd serve");
            }
            String name = optionName(a);
            String instead = MANAGED.get(name);
            if (instead != null) {
                throw new IllegalArgumentException(name + " is set by ForkdContainer; use " + instead);
            }
        }
        extra.addAll(List.of(args));
    }

    /** The whole command line: the managed addresses, the chosen options (else the defaults), then the extra arguments. */
    List<String> command(String host, int port, String admin, String tokenFile) {
        Map<String, String> options = new LinkedHashMap<>(defaults);
        options.putAll(chosen);
        for (String a : extra) {
            String name = optionName(a);
            String alias = name.equals("-w") ? "--workers" : name;
            if (!chosen.containsKey(alias)) {
                options.remove(alias); // the user's own value replaces a default of the container's
            }
            if (chosen.containsKey(alias) || (alias.equals("--worker-classpath") && !classpath.isEmpty())
                    || (alias.equals("--enable-chaos") && chaos)) {
                throw new IllegalArgumentException(name + " is given both as an argument and with its ForkdContainer method ("
                        + methodFor(alias) + "); keep one");
            }
        }
        List<String> cmd = new ArrayList<>(List.of("--host", host, "--port", Integer.toString(port),
                "--admin", admin, "--admin-token-file", tokenFile));
        options.forEach((option, value) -> {
            cmd.add(option);
            cmd.add(value);
        });
        if (!classpath.isEmpty()) {
            cmd.add("--worker-classpath");
            cmd.add(String.join(":", classpath));
        }
        if (chaos) {
            cmd.add("--enable-chaos");
        }
        cmd.addAll(extra);
        return cmd;
    }

    /** {@code --port=1} and {@code --port} name the same option; a value ({@code 8888}) names none. */
    static String optionName(String arg) {
        if (!arg.startsWith("-")) {
            return "";
        }
        int eq = arg.indexOf('=');
        return (eq < 0 ? arg : arg.substring(0, eq)).toLowerCase(Locale.ROOT);
    }

    private static String methodFor(String option) {
        switch (option) {
            case "--model":
                return "withModel";
            case "--handler":
                return "withHandler, withHandlerJar or withChaos";
            case "--framing":
                return "withFraming";
            case "--workers":
                return "withWorkers";
            case "--worker-classpath":
                return "withHandlerJar or withWorkerClasspath";
            case "--enable-chaos":
                return "withChaos";
            default:
                return "with...";
        }
    }
}
