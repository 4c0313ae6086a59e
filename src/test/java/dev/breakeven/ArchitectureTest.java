package dev.breakeven;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The layering that keeps features testable without a server: feature packages hold the domain and
 * its storage, and know nothing of HTTP, the command line, templates, or the layers built on them.
 * Rules about packages that have no classes yet pass, so they guard those packages from day one.
 */
class ArchitectureTest {

    /** Domain packages, with their subpackages. */
    static final String[] FEATURES = {
        "dev.breakeven.access..",
        "dev.breakeven.store..",
        "dev.breakeven.metering..",
        "dev.breakeven.ledger..",
        "dev.breakeven.billing..",
        "dev.breakeven.plans..",
        "dev.breakeven.ads..",
        "dev.breakeven.business..",
        "dev.breakeven.economics..",
        "dev.breakeven.cluster..",
        "dev.breakeven.inference..",
        "dev.breakeven.knowledge..",
        "dev.breakeven.assistant..",
    };

    /** The web server, the command line and the templates: only the outer layers use them. */
    static final String[] FRAMEWORKS = {"io.helidon..", "picocli..", "gg.jte.."};

    /** HTTP routes, the application wiring and the operator console. */
    static final String[] OUTER_LAYERS = {"dev.breakeven.api..", "dev.breakeven.app..", "dev.breakeven.console.."};

    static JavaClasses classes;

    @BeforeAll
    static void importMainClasses() {
        classes = new ClassFileImporter()
                .withImportOption(new ImportOption.DoNotIncludeTests())
                .importPackages("dev.breakeven");
    }

    @Test
    void importsTheMainClassesButNotTheTests() {
        // guards the rules below against passing because nothing was imported
        assertThat(classes.contain("dev.breakeven.app.Main")).isTrue();
        assertThat(classes.contain(ArchitectureTest.class)).isFalse();
    }

    @Test
    void featuresDoNotUseTheWebServerCommandLineOrTemplates() {
        noClasses()
                .that()
                .resideInAnyPackage(FEATURES)
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage(FRAMEWORKS)
                .because("features are plain Java; HTTP, CLI and HTML belong to api, app and console")
                .allowEmptyShould(true)
                .check(classes);
    }

    @Test
    void featuresDoNotDependOnTheLayersBuiltOnThem() {
        noClasses()
                .that()
                .resideInAnyPackage(FEATURES)
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage(OUTER_LAYERS)
                .because("api, app and console use the features, never the other way round")
                .allowEmptyShould(true)
                .check(classes);
    }

    @Test
    void apiDoesNotDependOnApp() {
        noClasses()
                .that()
                .resideInAPackage("dev.breakeven.api..")
                .should()
                .dependOnClassesThat()
                .resideInAPackage("dev.breakeven.app..")
                .because("app wires the api together; the api must not reach back into the wiring")
                .allowEmptyShould(true)
                .check(classes);
    }
}
