package dev.forkd.supervisor;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.lang.EvaluationResult;
import dev.forkd.supervisor.dispatch.Dispatcher;
import dev.forkd.supervisor.listen.ListenReadingTheConfig;
import dev.forkd.supervisor.pool.WorkerPool;
import dev.forkd.supervisor.proxy.ProxyReachingIntoTheRelay;
import dev.forkd.supervisor.proxy.TlsFacts;
import dev.forkd.supervisor.proxy.TlsTlvs;
import dev.forkd.supervisor.relay.Relay;
import dev.forkd.supervisor.relay.RelayReachingIntoThePool;
import org.junit.jupiter.api.Test;

/** A forbidden import fails the rules: the rules are not vacuous. */
class PackageRulesFailTest {
    @Test
    void theRelayReachingIntoThePoolBreaksTheRelaysRule() {
        JavaClasses classes = new ClassFileImporter().importClasses(RelayReachingIntoThePool.class, WorkerPool.class, Relay.class, Dispatcher.class);
        assertViolated(PackageRules.RELAY_SEES_ONLY_DISPATCH, classes, "WorkerPool");
        assertFalse(PackageRules.DISPATCH_STANDS_ALONE.evaluate(classes).hasViolation(),
                "dispatch itself is untouched by the fixture");
    }

    @Test
    void theListenerReadingTheConfigBreaksTheLayering() {
        JavaClasses classes = new ClassFileImporter().importClasses(ListenReadingTheConfig.class, ServeConfig.class);
        assertViolated(PackageRules.LOWER_PACKAGES_NEVER_IMPORT_THE_ROOT, classes, "ServeConfig");
        assertViolated(PackageRules.THE_PARTS_TAKE_PLAIN_SETTINGS, classes, "ServeConfig");
    }

    @Test
    void theProxyPackageReachingIntoTheRelayBreaksItsRule() {
        JavaClasses classes = new ClassFileImporter().importClasses(ProxyReachingIntoTheRelay.class, Relay.class, TlsTlvs.class, TlsFacts.class);
        assertViolated(PackageRules.PROXY_STANDS_ALONE, classes, "Relay");
        assertFalse(PackageRules.PROXY_STANDS_ALONE.evaluate(new ClassFileImporter().importClasses(TlsTlvs.class, TlsFacts.class)).hasViolation());
    }

    @Test
    void tlsReachingIntoThePoolAndThePoolUsingTlsBreakTheTlsRules() {
        JavaClasses classes = new ClassFileImporter().importClasses(dev.forkd.supervisor.tls.TlsReachingIntoThePool.class,
                dev.forkd.supervisor.pool.PoolTerminatingTls.class, dev.forkd.supervisor.tls.TlsTerminator.class, WorkerPool.class);
        assertViolated(PackageRules.TLS_STANDS_ALONE, classes, "WorkerPool");
        assertViolated(PackageRules.ONLY_LISTEN_THE_ROOT_AND_CLI_USE_TLS, classes, "PoolTerminatingTls");
        assertFalse(PackageRules.TLS_STANDS_ALONE.evaluate(new ClassFileImporter().importClasses(dev.forkd.supervisor.tls.TlsTerminator.class))
                .hasViolation(), "the terminator itself keeps the rule");
    }

    @Test
    void theBrokerReachingIntoThePoolAndThePoolUsingTheBrokerBreakTheBrokerRules() {
        JavaClasses classes = new ClassFileImporter().importClasses(dev.forkd.supervisor.broker.BrokerReachingIntoThePool.class,
                dev.forkd.supervisor.pool.PoolUsingTheBroker.class, dev.forkd.supervisor.broker.BrokerServer.class, WorkerPool.class);
        assertViolated(PackageRules.BROKER_STANDS_ALONE, classes, "WorkerPool");
        assertViolated(PackageRules.ONLY_THE_ROOT_WIRES_THE_BROKER, classes, "PoolUsingTheBroker");
        assertFalse(PackageRules.BROKER_STANDS_ALONE.evaluate(new ClassFileImporter().importClasses(dev.forkd.supervisor.broker.BrokerServer.class))
                .hasViolation(), "the broker itself keeps the rule");
    }

    @Test
    void theApiReachingIntoSharedBreaksItsRule() {
        JavaClasses classes = new ClassFileImporter().importClasses(dev.forkd.api.ApiReachingIntoShared.class, dev.forkd.api.Handler.class);
        assertViolated(PackageRules.THE_API_STANDS_ALONE, classes, "Framing");
        assertFalse(PackageRules.THE_API_STANDS_ALONE.evaluate(new ClassFileImporter().importClasses(dev.forkd.api.Handler.class)).hasViolation(),
                "the API itself keeps the rule");
    }

    @Test
    void theEventedModelReachingIntoTheBlockingOneBreaksTheWorkersRules() {
        JavaClasses classes = new ClassFileImporter().importClasses(dev.forkd.worker.evented.EventedReachingIntoTheBlockingModel.class,
                dev.forkd.worker.blocking.ClientConnection.class, dev.forkd.worker.evented.EventLoop.class);
        assertViolated(PackageRules.WORKER_EVENTED_SEES_ONLY_LOWER_PACKAGES, classes, "ClientConnection");
        assertFalse(PackageRules.WORKER_EVENTED_SEES_ONLY_LOWER_PACKAGES.evaluate(new ClassFileImporter().importClasses(dev.forkd.worker.evented.EventLoop.class))
                .hasViolation(), "the event loop itself keeps the rule");
        assertFalse(PackageRules.WORKER_BLOCKING_SEES_ONLY_LOWER_PACKAGES.evaluate(classes).hasViolation(), "blocking is untouched by the fixture");
    }

    @Test
    void commonReachingUpIntoTheRootAndProxyBreaksTheLayeringAndMakesACycle() {
        JavaClasses classes = new ClassFileImporter().importClasses(dev.forkd.worker.common.CommonReachingIntoTheRoot.class,
                dev.forkd.worker.WorkerMain.class, dev.forkd.worker.proxy.ProxiedClient.class, dev.forkd.worker.common.WorkerFrames.class);
        assertViolated(PackageRules.WORKER_COMMON_STANDS_ALONE, classes, "ProxiedClient");
        assertViolated(PackageRules.WORKER_SUB_PACKAGES_NEVER_IMPORT_THE_ROOT, classes, "WorkerMain");
        assertViolated(PackageRules.NO_CYCLES_BETWEEN_WORKER_PACKAGES, classes, "CommonReachingIntoTheRoot");
        assertFalse(PackageRules.NO_CYCLES_BETWEEN_WORKER_PACKAGES.evaluate(new ClassFileImporter().importClasses(
                dev.forkd.worker.proxy.ProxiedClient.class, dev.forkd.worker.common.WorkerFrames.class)).hasViolation(), "proxy on common is no cycle");
    }

    @Test
    void aModelPickingABuiltInHandlerBreaksTheHandlersRules() {
        JavaClasses classes = new ClassFileImporter().importClasses(dev.forkd.worker.blocking.BlockingPickingAHandler.class,
                dev.forkd.worker.handlers.BuiltInHandlers.class);
        assertViolated(PackageRules.ONLY_THE_WORKER_ROOT_PICKS_HANDLERS, classes, "BlockingPickingAHandler");
        assertViolated(PackageRules.WORKER_BLOCKING_SEES_ONLY_LOWER_PACKAGES, classes, "BuiltInHandlers");
    }

    @Test
    void theProductionClassesAloneBreakNoRule() {
        JavaClasses classes = new ClassFileImporter().importClasses(Relay.class, Dispatcher.class);
        assertFalse(PackageRules.RELAY_SEES_ONLY_DISPATCH.evaluate(classes).hasViolation());
    }

    private static void assertViolated(ArchRule rule, JavaClasses classes, String culprit) {
        EvaluationResult result = rule.evaluate(classes);
        assertTrue(result.hasViolation(), rule.getDescription() + " should fail");
        assertTrue(result.getFailureReport().toString().contains(culprit), result.getFailureReport().toString());
    }
}
