package dev.forkd.supervisor;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/** The package rules hold for the production classes of the supervisor, the worker, its handler API and shared. */
class PackageRulesTest {
    private static JavaClasses production;

    @BeforeAll
    static void importClasses() {
        // the worker and its API are on this module's test class path (a runtime dependency), so their rules are checked here too
        production = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("dev.forkd.supervisor", "dev.forkd.worker", "dev.forkd.api", "dev.forkd.shared");
    }

    @TestFactory
    Stream<DynamicTest> everyRuleHolds() {
        return PackageRules.ALL.stream().map(rule -> DynamicTest.dynamicTest(rule.getDescription(), () -> check(rule)));
    }

    private static void check(ArchRule rule) {
        rule.check(production);
    }
}
