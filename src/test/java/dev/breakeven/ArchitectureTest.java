package dev.breakeven;

import static com.tngtech.archunit.base.DescribedPredicate.not;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAnyPackage;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import dev.breakeven.inference.ArchitectureFixtures;
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

    /**
     * The web server, the command line and the templates: only the outer layers use them. Of
     * Helidon, features may use only its HTTP client ({@code io.helidon.webclient..}, which
     * inference uses to call model servers) and the HTTP value types that client speaks in ({@code
     * io.helidon.http..}); see docs/decisions.md, 2026-11-28.
     */
    static final String[] FRAMEWORKS = {"io.helidon..", "picocli..", "gg.jte.."};

    /** What features may use of {@link #FRAMEWORKS}. */
    static final String[] ALLOWED_IN_FEATURES = {"io.helidon.webclient..", "io.helidon.http.."};

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
        featuresUseNoFramework().check(classes);
    }

    @Test
    void featuresMayUseTheHttpClient_butNeverTheWebServer() {
        // guards the exception above: it must stay that narrow, and the rule must still see Helidon
        assertThat(classes.contain("dev.breakeven.inference.OpenAiBackend")).isTrue();
        assertThat(featuresUseNoFramework()
                        .evaluate(new ClassFileImporter()
                                .importClasses(
                                        ArchitectureFixtures.UsesTheWebServer.class,
                                        ArchitectureFixtures.UsesTheCommonLibrary.class))
                        .getFailureReport()
                        .getDetails())
                .anySatisfy(line -> assertThat(line).contains("io.helidon.webserver"))
                .anySatisfy(line -> assertThat(line).contains("io.helidon.common"));
        noClasses()
                .that()
                .resideInAnyPackage(FEATURES)
                .should()
                .dependOnClassesThat()
                .resideInAPackage("io.helidon.webserver..")
                .allowEmptyShould(true)
                .check(classes);
    }

    private static ArchRule featuresUseNoFramework() {
        return noClasses()
                .that()
                .resideInAnyPackage(FEATURES)
                .should()
                .dependOnClassesThat(resideInAnyPackage(FRAMEWORKS).and(not(resideInAnyPackage(ALLOWED_IN_FEATURES))))
                .because("features are plain Java; HTTP serving, CLI and HTML belong to api, app and console"
                        + " (inference may call model servers with Helidon's HTTP client)")
                .allowEmptyShould(true);
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
