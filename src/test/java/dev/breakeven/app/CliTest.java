package dev.breakeven.app;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.breakeven.testing.Gateway;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.parallel.Isolated;

/** The command line, run in-process on a real data directory: outputs and exit codes. */
@Isolated("swaps System.out and System.err")
class CliTest {
    @TempDir
    Path dir;

    record Run(int code, String out, String err) {}

    Run cli(String... args) {
        CliRun run = CliRun.of(args);
        return new Run(run.code(), run.out(), run.err());
    }

    String data() {
        return dir.resolve("data").toString();
    }

    @Test
    void keysCreate_printsTheSecretOnce_andListNeverShowsIt() {
        Run created = cli("keys", "create", "--account", "bob", "--data", data());
        assertThat(created.code()).isZero();
        String secret = created.out().strip();
        assertThat(secret).startsWith("bk_").hasSize(43);
        assertThat(created.err()).contains("shown only now");

        Run listed = cli("keys", "list", "--data", data());
        assertThat(listed.code()).isZero();
        assertThat(listed.out())
                .contains("active")
                .contains(secret.substring(0, 10))
                .doesNotContain(secret);

        Run json = cli("keys", "list", "--account", "bob", "--format", "json", "--data", data());
        JsonNode keys = parse(json.out());
        assertThat(keys).hasSize(1);
        assertThat(json.out()).doesNotContain(secret);
    }

    @Test
    void keysRevoke_marksTheKeyRevoked_andUnknownIdsFailWithOneLine() {
        cli("keys", "create", "--account", "bob", "--data", data());
        String id = parse(cli("keys", "list", "--format", "json", "--data", data())
                        .out())
                .get(0)
                .get("id")
                .asText();

        assertThat(cli("keys", "revoke", id, "--data", data()).code()).isZero();
        assertThat(cli("keys", "list", "--data", data()).out()).contains("revoked");

        Run unknown = cli("keys", "revoke", "key_nope", "--data", data());
        assertThat(unknown.code()).isEqualTo(1);
        assertThat(unknown.err().strip())
                .startsWith("breakeven: ")
                .doesNotContain("\n")
                .doesNotContain("Exception");
        Run verbose = cli("keys", "revoke", "key_nope", "--data", data(), "--verbose");
        assertThat(verbose.err()).contains("AccessException");
    }

    @Test
    void badUsage_exits2_andFailures_exit1() {
        assertThat(cli("keys", "create", "--account", "bob", "--role", "king", "--data", data())
                        .code())
                .isEqualTo(2);
        assertThat(cli("keys", "create", "--data", data()).code()).isEqualTo(2);
        assertThat(cli("frobnicate").code()).isEqualTo(2);
        assertThat(cli("usage", "--since", "last tuesday", "--data", data()).code())
                .isEqualTo(2);
        assertThat(cli("keys", "create", "--account", "no spaces", "--data", data())
                        .code())
                .isEqualTo(1);
        assertThat(cli("usage", "--account", "nobody", "--data", data()).code()).isEqualTo(1);
        Run unknownPlan = cli("keys", "create", "--account", "erin", "--plan", "gold", "--data", data());
        assertThat(unknownPlan.code()).isEqualTo(1);
        assertThat(unknownPlan.err().strip()).startsWith("breakeven: there is no plan 'gold'");
        assertThat(cli("keys", "list", "--account", "erin", "--data", data()).code())
                .as("nothing was created")
                .isEqualTo(1);
        Run badConfig =
                cli("keys", "list", "--config", dir.resolve("missing.yaml").toString());
        assertThat(badConfig.code()).isEqualTo(1);
        assertThat(badConfig.err().strip())
                .isEqualTo("breakeven: config file not found: " + dir.resolve("missing.yaml"));
        assertThat(cli("--help").code()).isZero();
        assertThat(cli("usage", "--help").code()).isZero();
    }

    @Test
    void keysCreatedByTheCli_workAtOnce_onARunningServerSharingTheData() {
        try (Gateway gw = Gateway.in(dir).start()) {
            String configFile = dir.resolve("breakeven.yaml").toString();
            String secret = cli("keys", "create", "--account", "dora", "--config", configFile)
                    .out()
                    .strip();

            assertThat(gw.post("/v1/chat/completions", secret, Gateway.chat("assistant", false, ""))
                            .statusCode())
                    .isEqualTo(200);
            Run usage = cli("usage", "--account", "dora", "--format", "json", "--config", configFile);
            JsonNode events = parse(usage.out());
            assertThat(events).hasSize(1);
            assertThat(events.get(0).get("outcome").asText()).isEqualTo("completed");
            assertThat(events.get(0).get("object").asText()).isEqualTo("usage.event");

            Run csv = cli("usage", "--format", "csv", "--since", "1h", "--config", configFile);
            assertThat(csv.out().lines()).hasSize(2).first().asString().startsWith("id,occurred_at,account_id");
            Run table = cli("usage", "--config", configFile);
            assertThat(table.out()).contains("1 events").contains("assistant");
            Run future = cli("usage", "--since", "2999-01-01", "--format", "json", "--config", configFile);
            assertThat(parse(future.out())).isEmpty();
        }
    }

    private static JsonNode parse(String json) {
        try {
            return Gateway.JSON.readTree(json);
        } catch (Exception e) {
            throw new AssertionError("not JSON: " + json, e);
        }
    }
}
