package dev.forkd.tools;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The tools reach the daemon only as a process or over HTTP: of the supervisor module they use the
 * command-line helpers (cli), common and the server models (the root's Model), never its parts.
 */
class ToolPackagesTest {
    private static JavaClasses tools;

    @BeforeAll
    static void importClasses() {
        tools = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS).importPackages("dev.forkd.tools");
    }

    @Test
    void theToolsNeverReachIntoTheDaemonsParts() {
        noClasses().should().dependOnClassesThat().resideInAnyPackage("dev.forkd.supervisor.listen..", "dev.forkd.supervisor.dispatch..",
                "dev.forkd.supervisor.relay..", "dev.forkd.supervisor.pool..", "dev.forkd.supervisor.restart..",
                "dev.forkd.supervisor.launch..", "dev.forkd.supervisor.control..", "dev.forkd.supervisor.admin..",
                "dev.forkd.supervisor.systemd..", "dev.forkd.supervisor.rundir..", "dev.forkd.worker..", "dev.forkd.api..").check(tools);
    }

    @Test
    void theClientStandsAlone() {
        noClasses().that().resideInAPackage("dev.forkd.tools.client..")
                .should().dependOnClassesThat().resideInAnyPackage("dev.forkd.tools.bench..", "dev.forkd.tools.experiment..").check(tools);
    }

    /** The TLS client side, which client, bench and experiment share, knows none of them. */
    @Test
    void tlsStandsBelowTheCommands() {
        noClasses().that().resideInAPackage("dev.forkd.tools.tls..")
                .should().dependOnClassesThat().resideInAnyPackage("dev.forkd.tools.client..", "dev.forkd.tools.bench..",
                        "dev.forkd.tools.experiment..", "dev.forkd.supervisor..").check(tools);
    }

    @Test
    void benchAndExperimentDoNotImportEachOther() {
        noClasses().that().resideInAPackage("dev.forkd.tools.bench..")
                .should().dependOnClassesThat().resideInAPackage("dev.forkd.tools.experiment..").check(tools);
        noClasses().that().resideInAPackage("dev.forkd.tools.experiment..")
                .should().dependOnClassesThat().resideInAnyPackage("dev.forkd.tools.bench..", "dev.forkd.tools.client..").check(tools);
    }
}
