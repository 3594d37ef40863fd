package dev.forkd.supervisor;

import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAnyPackage;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideOutsideOfPackage;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.lang.ArchRule;
import java.util.List;

/**
 * The daemon's layering (docs/architecture.md): the root package wires everything; {@code cli}
 * starts it; {@code listen} and {@code relay} sit side by side on {@code dispatch}; {@code pool}
 * uses {@code restart}, {@code control} and {@code rundir}, and {@code launch} plugs into it;
 * {@code tls} (TLS termination) stands on {@code proxy} and {@code common} alone and plugs into listen's client pipeline;
 * {@code broker} (publish/subscribe between workers) stands on {@code common} alone and only the root wires it;
 * {@code proxy} (PROXY protocol TLVs) and {@code common} are below all of them. Beside the daemon: the worker's
 * handler API ({@code dev.forkd.api}) stands on the JDK alone; the worker's root wires {@code handlers} (the built-in
 * handlers) and the two ways of serving a connection, {@code blocking} and {@code evented}, which stand side by side
 * on {@code pubsub}, {@code proxy} (the PROXY header's client) and {@code common}. Evaluated on the production classes by {@link PackageRulesTest} and on
 * classes made to break them by {@link PackageRulesFailTest}.
 */
final class PackageRules {
    static final String ROOT = "dev.forkd.supervisor";
    static final String CLI = "dev.forkd.supervisor.cli..";
    static final String LISTEN = "dev.forkd.supervisor.listen..";
    static final String DISPATCH = "dev.forkd.supervisor.dispatch..";
    static final String RELAY = "dev.forkd.supervisor.relay..";
    static final String POOL = "dev.forkd.supervisor.pool..";
    static final String LAUNCH = "dev.forkd.supervisor.launch..";
    static final String RESTART = "dev.forkd.supervisor.restart..";
    static final String CONTROL = "dev.forkd.supervisor.control..";
    static final String ADMIN = "dev.forkd.supervisor.admin..";
    static final String SYSTEMD = "dev.forkd.supervisor.systemd..";
    static final String RUNDIR = "dev.forkd.supervisor.rundir..";
    static final String COMMON = "dev.forkd.supervisor.common..";
    static final String PROXY = "dev.forkd.supervisor.proxy..";
    static final String TLS = "dev.forkd.supervisor.tls..";
    static final String BROKER = "dev.forkd.supervisor.broker..";

    static final ArchRule DISPATCH_STANDS_ALONE = classes().that().resideInAPackage(DISPATCH)
            .should().onlyDependOnClassesThat(resideOutsideOfPackage("dev.forkd.supervisor..").or(resideInAnyPackage(DISPATCH, COMMON)))
            .as("dispatch imports no other supervisor package than common");

    /** PROXY protocol pieces (the TLS TLVs) that listen and relay both use: they must not pull either in. */
    static final ArchRule PROXY_STANDS_ALONE = classes().that().resideInAPackage(PROXY)
            .should().onlyDependOnClassesThat(resideOutsideOfPackage("dev.forkd.supervisor..").or(resideInAnyPackage(PROXY, COMMON)))
            .as("proxy imports no other supervisor package than common");

    static final ArchRule TLS_STANDS_ALONE = classes().that().resideInAPackage(TLS)
            .should().onlyDependOnClassesThat(resideOutsideOfPackage("dev.forkd.supervisor..").or(resideInAnyPackage(TLS, PROXY, COMMON)))
            .as("tls imports no other supervisor package than proxy and common");

    /** The client pipeline (listen) plugs the handler in, the root builds and reloads it, cli parses its settings. */
    static final ArchRule ONLY_LISTEN_THE_ROOT_AND_CLI_USE_TLS = noClasses().that().resideOutsideOfPackages(ROOT, CLI, LISTEN, TLS)
            .and().resideInAPackage("dev.forkd.supervisor..")
            .should().dependOnClassesThat().resideInAPackage(TLS)
            .as("only listen, the root and cli import tls");

    /** The publish/subscribe broker: its own socket and thread, told only who the workers are (a callback the root wires). */
    static final ArchRule BROKER_STANDS_ALONE = classes().that().resideInAPackage(BROKER)
            .should().onlyDependOnClassesThat(resideOutsideOfPackage("dev.forkd.supervisor..").or(resideInAnyPackage(BROKER, COMMON)))
            .as("broker imports no other supervisor package than common");

    static final ArchRule ONLY_THE_ROOT_WIRES_THE_BROKER = noClasses().that().resideOutsideOfPackages(ROOT, BROKER)
            .should().dependOnClassesThat().resideInAPackage(BROKER)
            .as("only the root package imports broker");

    static final ArchRule RELAY_SEES_ONLY_DISPATCH = noClasses().that().resideInAPackage(RELAY)
            .should().dependOnClassesThat().resideInAnyPackage(ROOT, CLI, LISTEN, POOL, LAUNCH, RESTART, CONTROL, ADMIN, SYSTEMD, RUNDIR)
            .as("relay imports only dispatch and common of the supervisor's packages (never pool, launch, restart, control)");

    static final ArchRule LISTEN_KNOWS_NEITHER_RELAY_NOR_POOL = noClasses().that().resideInAPackage(LISTEN)
            .should().dependOnClassesThat().resideInAnyPackage(RELAY, POOL, LAUNCH, RESTART, CONTROL)
            .as("listen imports neither relay nor the pool's packages (pool, launch, restart, control)");

    static final ArchRule ONLY_THE_ROOT_WIRES_ADMIN = noClasses().that().resideOutsideOfPackages(ROOT, ADMIN)
            .should().dependOnClassesThat().resideInAPackage(ADMIN)
            .as("only the root package imports admin");

    /** The lower packages never import the root: only cli does, to start it. */
    static final ArchRule LOWER_PACKAGES_NEVER_IMPORT_THE_ROOT = noClasses()
            .that().resideInAPackage("dev.forkd.supervisor..").and().resideOutsideOfPackages(ROOT, CLI)
            .should().dependOnClassesThat().resideInAPackage(ROOT)
            .as("no sub-package but cli imports the root package");

    /**
     * The parts take plain settings of their own (PoolSettings, LaunchSettings, AdminSettings) that
     * the root builds: the command line's types stay in the root and cli. Implied by the rule above
     * for the root's other classes; written out because it is the one a new option is tempted to break.
     */
    static final ArchRule THE_PARTS_TAKE_PLAIN_SETTINGS = noClasses()
            .that().resideInAPackage("dev.forkd.supervisor..").and().resideOutsideOfPackages(ROOT, CLI)
            .should().dependOnClassesThat().haveFullyQualifiedName(ROOT + ".ServeConfig")
            .orShould().dependOnClassesThat().haveFullyQualifiedName(ROOT + ".Model")
            .as("nothing outside the root and cli imports ServeConfig or Model: the pool, the launcher and admin take plain settings");

    static final ArchRule THE_ROOT_NEVER_IMPORTS_CLI = noClasses().that().resideInAPackage(ROOT)
            .should().dependOnClassesThat().resideInAPackage(CLI)
            .as("the root package never imports cli (cli starts the root, not the other way)");

    static final ArchRule NO_CYCLES_BETWEEN_PACKAGES = slices().matching("dev.forkd.supervisor.(*)..")
            .should().beFreeOfCycles()
            .as("the supervisor's sub-packages import each other without cycles");

    static final ArchRule THE_DAEMON_NEVER_IMPORTS_THE_TOOLS = noClasses().that().resideInAPackage("dev.forkd.supervisor..")
            .should().dependOnClassesThat().resideInAPackage("dev.forkd.tools..")
            .as("the daemon never imports the tools");

    static final ArchRule SUPERVISOR_NEVER_IMPORTS_WORKER = noClasses().that().resideInAPackage("dev.forkd.supervisor..")
            .should().dependOnClassesThat().resideInAnyPackage("dev.forkd.worker..", "dev.forkd.api..")
            .as("the supervisor never imports the worker nor the handler API (it starts workers as processes and never loads handlers)");

    static final ArchRule THE_API_STANDS_ALONE = classes().that().resideInAPackage("dev.forkd.api..")
            .should().onlyDependOnClassesThat().resideInAnyPackage("dev.forkd.api..", "java..")
            .as("the handler API (forkd-worker-api) depends on the JDK alone: a user's handler project inherits whatever it needs");

    static final ArchRule WORKER_NEVER_IMPORTS_SUPERVISOR = noClasses().that().resideInAPackage("dev.forkd.worker..")
            .should().dependOnClassesThat().resideInAnyPackage("dev.forkd.supervisor..", "dev.forkd.tools..")
            .as("the worker never imports the supervisor nor the tools");

    // the worker's packages (docs/architecture.md): the root wires them; blocking and evented (the two ways of serving
    // a connection) sit side by side on pubsub, proxy and common; handlers (the built-in ones) on common alone
    static final String WORKER = "dev.forkd.worker";
    static final String W_HANDLERS = "dev.forkd.worker.handlers..";
    static final String W_BLOCKING = "dev.forkd.worker.blocking..";
    static final String W_EVENTED = "dev.forkd.worker.evented..";
    static final String W_PUBSUB = "dev.forkd.worker.pubsub..";
    static final String W_PROXY = "dev.forkd.worker.proxy..";
    static final String W_COMMON = "dev.forkd.worker.common..";

    static final ArchRule WORKER_COMMON_STANDS_ALONE = workerPackageUses(W_COMMON, "common", W_COMMON);
    static final ArchRule WORKER_PROXY_SEES_ONLY_COMMON = workerPackageUses(W_PROXY, "proxy", W_PROXY, W_COMMON);
    static final ArchRule WORKER_PUBSUB_SEES_ONLY_COMMON = workerPackageUses(W_PUBSUB, "pubsub", W_PUBSUB, W_COMMON);
    static final ArchRule WORKER_HANDLERS_SEE_ONLY_COMMON = workerPackageUses(W_HANDLERS, "handlers", W_HANDLERS, W_COMMON);
    static final ArchRule WORKER_BLOCKING_SEES_ONLY_LOWER_PACKAGES = workerPackageUses(W_BLOCKING, "blocking", W_BLOCKING, W_PUBSUB, W_PROXY, W_COMMON);
    static final ArchRule WORKER_EVENTED_SEES_ONLY_LOWER_PACKAGES = workerPackageUses(W_EVENTED, "evented", W_EVENTED, W_PUBSUB, W_PROXY, W_COMMON);

    /** Only the root (HandlerFactory) picks a built-in handler: the models serve whatever Handler they are given. */
    static final ArchRule ONLY_THE_WORKER_ROOT_PICKS_HANDLERS = noClasses().that().resideInAPackage("dev.forkd.worker..")
            .and().resideOutsideOfPackages(WORKER, W_HANDLERS)
            .should().dependOnClassesThat().resideInAPackage(W_HANDLERS)
            .as("only the worker's root package imports worker.handlers");

    static final ArchRule WORKER_SUB_PACKAGES_NEVER_IMPORT_THE_ROOT = noClasses()
            .that().resideInAPackage("dev.forkd.worker..").and().resideOutsideOfPackage(WORKER)
            .should().dependOnClassesThat().resideInAPackage(WORKER)
            .as("no sub-package of the worker imports its root package (WorkerMain and the wiring)");

    static final ArchRule NO_CYCLES_BETWEEN_WORKER_PACKAGES = slices().matching("dev.forkd.worker.(*)..")
            .should().beFreeOfCycles()
            .as("the worker's sub-packages import each other without cycles");

    static final ArchRule SHARED_IMPORTS_NEITHER = noClasses().that().resideInAPackage("dev.forkd.shared..")
            .should().dependOnClassesThat().resideInAnyPackage("dev.forkd.supervisor..", "dev.forkd.worker..", "dev.forkd.api..", "dev.forkd.tools..")
            .as("shared imports neither the supervisor, the worker, the handler API nor the tools");

    static final List<ArchRule> ALL = List.of(DISPATCH_STANDS_ALONE, PROXY_STANDS_ALONE, TLS_STANDS_ALONE, BROKER_STANDS_ALONE, ONLY_THE_ROOT_WIRES_THE_BROKER, ONLY_LISTEN_THE_ROOT_AND_CLI_USE_TLS, RELAY_SEES_ONLY_DISPATCH, LISTEN_KNOWS_NEITHER_RELAY_NOR_POOL,
            ONLY_THE_ROOT_WIRES_ADMIN, LOWER_PACKAGES_NEVER_IMPORT_THE_ROOT, THE_PARTS_TAKE_PLAIN_SETTINGS, THE_ROOT_NEVER_IMPORTS_CLI, NO_CYCLES_BETWEEN_PACKAGES,
            THE_DAEMON_NEVER_IMPORTS_THE_TOOLS, SUPERVISOR_NEVER_IMPORTS_WORKER, THE_API_STANDS_ALONE, WORKER_NEVER_IMPORTS_SUPERVISOR, SHARED_IMPORTS_NEITHER,
            WORKER_COMMON_STANDS_ALONE, WORKER_PROXY_SEES_ONLY_COMMON, WORKER_PUBSUB_SEES_ONLY_COMMON, WORKER_HANDLERS_SEE_ONLY_COMMON,
            WORKER_BLOCKING_SEES_ONLY_LOWER_PACKAGES, WORKER_EVENTED_SEES_ONLY_LOWER_PACKAGES, ONLY_THE_WORKER_ROOT_PICKS_HANDLERS,
            WORKER_SUB_PACKAGES_NEVER_IMPORT_THE_ROOT, NO_CYCLES_BETWEEN_WORKER_PACKAGES);

    /** The classes of worker package {@code pkg} use no other worker package than {@code allowed}. */
    private static ArchRule workerPackageUses(String pkg, String name, String... allowed) {
        return classes().that().resideInAPackage(pkg)
                .should().onlyDependOnClassesThat(resideOutsideOfPackage("dev.forkd.worker..").or(resideInAnyPackage(allowed)))
                .as("worker." + name + " imports no other worker package" + describe(allowed, pkg));
    }

    private static String describe(String[] allowed, String self) {
        List<String> others = java.util.Arrays.stream(allowed).filter(a -> !a.equals(self))
                .map(a -> a.substring("dev.forkd.worker.".length(), a.length() - 2)).toList();
        return others.isEmpty() ? "" : " than " + String.join(", ", others);
    }

    private PackageRules() {
    }
}
