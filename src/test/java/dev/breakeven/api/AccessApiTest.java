package dev.breakeven.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.breakeven.testing.Gateway;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Keys and roles at the HTTP boundary, and the operator's key API. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AccessApiTest {
    @TempDir
    static Path dir;

    Gateway gw;

    @BeforeAll
    void start() {
        gw = Gateway.in(dir).start();
    }

    @AfterAll
    void stop() {
        gw.close();
    }

    @Test
    void missingKey_is401_withOpenAisBody() {
        long upstreamBefore = gw.upstream.requestCount();
        HttpResponse<String> res = gw.post("/v1/chat/completions", null, Gateway.chat("assistant", false, ""));

        assertThat(res.statusCode()).isEqualTo(401);
        assertThat(res.headers().firstValue("www-authenticate")).contains("Bearer");
        JsonNode error = Gateway.json(res).get("error");
        assertThat(error.get("type").asText()).isEqualTo("invalid_request_error");
        assertThat(error.get("code").asText()).isEqualTo("missing_api_key");
        assertThat(error.has("param")).isTrue();
        assertThat(gw.upstream.requestCount()).isEqualTo(upstreamBefore);
    }

    @ParameterizedTest
    @ValueSource(strings = {"bk_unknownunknownunknownunknownunknownunkn", "not-a-key", "bk_", "Basic Zm9vOmJhcg=="})
    void unknownOrMalformedKey_is401_invalidApiKey(String key) {
        HttpRequest request = gw.request("/v1/models", null)
                .header("Authorization", key.startsWith("Basic") ? key : "Bearer " + key)
                .GET()
                .build();
        HttpResponse<String> res = gw.send(request);

        assertThat(res.statusCode()).isEqualTo(401);
        assertThat(Gateway.json(res).get("error").get("code").asText()).isEqualTo("invalid_api_key");
    }

    @Test
    void keyOfTheWrongRole_is403_namingTheRoleNeeded() {
        HttpResponse<String> chat =
                gw.post("/v1/chat/completions", gw.advertiserKey, Gateway.chat("assistant", false, ""));
        assertThat(chat.statusCode()).isEqualTo(403);
        assertThat(Gateway.json(chat).get("error").get("type").asText()).isEqualTo("permission_error");

        HttpResponse<String> admin = gw.get("/admin/v1/keys", gw.userKey);
        assertThat(admin.statusCode()).isEqualTo(403);
        assertThat(Gateway.json(admin).get("error").get("message").asText()).contains("operator");
    }

    @Test
    void operator_createsListsAndRevokesKeys_andARevokedKeyStopsAtOnce() {
        HttpResponse<String> created =
                gw.post("/admin/v1/keys", gw.operatorKey, "{\"account\":\"bob\",\"role\":\"user\"}");
        assertThat(created.statusCode()).isEqualTo(201);
        JsonNode key = Gateway.json(created);
        String secret = key.get("key").asText();
        assertThat(secret).startsWith("bk_");
        assertThat(key.get("account").get("name").asText()).isEqualTo("bob");
        assertThat(gw.get("/v1/models", secret).statusCode()).isEqualTo(200);

        JsonNode listed = Gateway.json(gw.get("/admin/v1/keys?account=bob", gw.operatorKey));
        assertThat(listed.get("data")).hasSize(1);
        assertThat(listed.get("data").get(0).has("key"))
                .as("secrets are never listed")
                .isFalse();
        assertThat(listed.toString()).doesNotContain(secret);

        HttpResponse<String> revoked =
                gw.send(gw.request("/admin/v1/keys/" + key.get("id").asText(), gw.operatorKey)
                        .DELETE()
                        .build());
        assertThat(revoked.statusCode()).isEqualTo(200);
        assertThat(Gateway.json(revoked).get("active").asBoolean()).isFalse();
        assertThat(gw.get("/v1/models", secret).statusCode()).isEqualTo(401);
    }

    @Test
    void keyApi_refusesBadInput_with4xx() {
        assertThat(gw.post("/admin/v1/keys", gw.operatorKey, "{}").statusCode()).isEqualTo(400);
        assertThat(gw.post("/admin/v1/keys", gw.operatorKey, "{\"account\":\"x y\"}")
                        .statusCode())
                .isEqualTo(400);
        assertThat(gw.post("/admin/v1/keys", gw.operatorKey, "{\"account\":\"carol\",\"role\":\"king\"}")
                        .statusCode())
                .isEqualTo(400);
        assertThat(gw.post("/admin/v1/keys", gw.operatorKey, "{\"account\":5}").statusCode())
                .isEqualTo(400);
        assertThat(gw.post("/admin/v1/keys", gw.operatorKey, "{\"account\":\"alice\",\"role\":\"operator\"}")
                        .statusCode())
                .as("alice is a user account")
                .isEqualTo(409);
        assertThat(gw.post("/admin/v1/keys", gw.operatorKey, "not json").statusCode())
                .isEqualTo(400);
        HttpRequest unknown =
                gw.request("/admin/v1/keys/key_nope", gw.operatorKey).DELETE().build();
        assertThat(gw.send(unknown).statusCode()).isEqualTo(404);
        assertThat(gw.get("/admin/v1/keys?account=nobody", gw.operatorKey).statusCode())
                .isEqualTo(404);
        assertThat(gw.get("/admin/v1/usage?since=yesterday", gw.operatorKey).statusCode())
                .isEqualTo(400);
        assertThat(gw.get("/admin/v1/usage?limit=0", gw.operatorKey).statusCode())
                .isEqualTo(400);
    }

    @Test
    void me_describesTheCallersAccount() {
        JsonNode me = Gateway.json(gw.get("/v1/me", gw.userKey));

        assertThat(me.get("name").asText()).isEqualTo("alice");
        assertThat(me.get("role").asText()).isEqualTo("user");
    }

    @Test
    void health_andMetrics_needNoKey_andMetricsCoverRequestsTokensAndTheJournal() {
        gw.post("/v1/chat/completions", gw.userKey, Gateway.chat("assistant", true, ""));

        JsonNode health = Gateway.json(gw.get("/health", null));
        assertThat(health.get("status").asText()).isEqualTo("UP");
        String metrics = gw.get("/metrics", null).body();
        assertThat(metrics)
                .contains("breakeven_http_requests_seconds_bucket")
                .contains("route=\"/v1/chat/completions\"")
                .contains("breakeven_tokens_total")
                .contains("breakeven_generations_total")
                .contains("breakeven_journal_pending")
                .contains("breakeven_time_to_first_token_ms");
    }

    @Test
    void accessLog_namesTheAccount_butNeverTheKey() {
        List<String> lines = new ArrayList<>();
        Handler capture = new Handler() {
            @Override
            public void publish(LogRecord record) {
                synchronized (lines) {
                    lines.add(record.getMessage());
                }
            }

            @Override
            public void flush() {}

            @Override
            public void close() {}
        };
        Logger access = Logger.getLogger("breakeven.access");
        access.addHandler(capture);
        try {
            gw.post("/v1/chat/completions", gw.userKey, Gateway.chat("assistant", false, ""));
            gw.get("/v1/models", "bk_wrongwrongwrongwrongwrongwrongwrongwrong");
        } finally {
            access.removeHandler(capture);
        }
        synchronized (lines) {
            assertThat(lines)
                    .anySatisfy(l ->
                            assertThat(l).contains("POST /v1/chat/completions").contains("account=acct_"));
            assertThat(String.join("\n", lines)).doesNotContain(gw.userKey).doesNotContain("bk_wrong");
        }
    }
}
