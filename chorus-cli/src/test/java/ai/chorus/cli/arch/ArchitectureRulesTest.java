package ai.chorus.cli.arch;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.library.GeneralCodingRules;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The module and package rules of docs/ARCHITECTURE.md, checked on the main classes of every module (the
 * CLI's test class path holds them all). A rule broken fails here with ArchUnit's list of the offending
 * dependencies, each with its class and line.
 */
class ArchitectureRulesTest {
    private static final String ENGINE = "ai.chorus.engine..";
    private static final String CORE = "ai.chorus.core..";
    private static final String SERVER = "ai.chorus.server..";
    private static final String CLI = "ai.chorus.cli..";

    private static JavaClasses main;

    @BeforeAll
    static void importMainClasses() {
        main = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("ai.chorus");
    }

    private static void check(ArchRule rule) {
        rule.check(main);
    }

    @Test
    void theEngineNeedsNothingButTheJdk() {
        check(noClasses().that().resideInAPackage(ENGINE).should().dependOnClassesThat()
                .resideOutsideOfPackages(ENGINE, "java..", "jdk.incubator.vector..",
                        "com.sun.management..") // the JDK's own jdk.management module (the bench's per-thread CPU time)
                .because("chorus-engine is the JDK-only numeric core (no Chorus module, no third-party library)"));
    }

    @Test
    void coreNeverReachesUpToTheServerOrTheCli() {
        check(noClasses().that().resideInAPackage(CORE).should().dependOnClassesThat().resideInAnyPackage(SERVER, CLI));
    }

    @Test
    void theServerNeverReachesUpToTheCli() {
        check(noClasses().that().resideInAPackage(SERVER).should().dependOnClassesThat().resideInAPackage(CLI));
    }

    @Test
    void theVectorApiStaysInTheEngine() {
        check(noClasses().that().resideOutsideOfPackage(ENGINE).should().dependOnClassesThat()
                .resideInAPackage("jdk.incubator.vector..")
                .because("the engine's Vec keeps every reduction in a fixed order; elsewhere it would not be"));
    }

    /**
     * Steps report through Progress and return results; only the CLI prints. The engine's bench package is
     * the exception: its classes are command-line entry points (java … ai.chorus.engine.bench.TrainBench).
     */
    @Test
    void onlyTheCliPrints() {
        check(noClasses().that().resideInAnyPackage(ENGINE, CORE, SERVER)
                .and().resideOutsideOfPackage("ai.chorus.engine.bench..")
                .should(GeneralCodingRules.ACCESS_STANDARD_STREAMS));
    }

    /** The server and the CLI are one package each, so only the engine's and core's packages can form a cycle. */
    @Test
    void thePackagesOfEachModuleFormNoCycle() {
        for (String module : new String[] {"engine", "core"}) {
            check(slices().matching("ai.chorus." + module + ".(*)..").should().beFreeOfCycles());
        }
    }
}
