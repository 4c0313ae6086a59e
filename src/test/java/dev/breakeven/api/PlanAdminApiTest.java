package dev.breakeven.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.breakeven.access.Role;
import dev.breakeven.testing.Gateway;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/** The operator's plan API: create, read, replace, edit and archive plans, through a real HTTP client. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PlanAdminApiTest {
    @TempDir
    static Path dir;

    Gateway gw;

    @BeforeAll
    void start() {
        gw = Gateway.in(dir).yaml("""
                        plans:
                          - {id: free, name: Free, models: [assistant], max_output_tokens: 50, ads: true}
                          - {id: plus, name: Plus, monthly_micros: 20000000, models: [assistant, unrouted], overage: wallet}
                        default_plan: free
                        """).start();
    }

    @AfterAll
    void stop() {
        gw.close();
    }

    HttpResponse<String> send(String method, String path, String key, String body) {
        return gw.send(gw.request(path, key)
                .header("Content-Type", "application/json")
                .method(
                        method,
                        body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body))
                .build());
    }

    JsonNode plans() {
        return Gateway.json(gw.get("/admin/v1/plans", gw.operatorKey)).get("data");
    }

    static JsonNode error(HttpResponse<String> res) {
        return Gateway.json(res).get("error");
    }

    @Test
    void configuredPlans_areStored_andListedWithTheirState() {
        JsonNode plans = plans();

        assertThat(plans).extracting(p -> p.get("id").asText()).startsWith("free", "plus");
        JsonNode free = plans.get(0);
        assertThat(free.get("object").asText()).isEqualTo("plan");
        assertThat(free.get("default").asBoolean()).isTrue();
        assertThat(free.get("archived").asBoolean()).isFalse();
        assertThat(free.get("max_output_tokens").asLong()).isEqualTo(50);
        assertThat(gw.get("/admin/v1/plans", gw.userKey).statusCode()).isEqualTo(403);
        assertThat(gw.get("/admin/v1/plans", null).statusCode()).isEqualTo(401);
    }

    @Test
    void operator_createsAPlan_andItIsOnOfferAtOnce() {
        HttpResponse<String> created = gw.post("/admin/v1/plans", gw.operatorKey, """
                {"id":"team","name":"Team","monthly_price_micros":99000000,"models":["assistant","unrouted"],
                 "tokens_per_day":500000,"requests_per_minute":120,"priority":"pro","overage":"wallet"}""");

        assertThat(created.statusCode()).isEqualTo(201);
        JsonNode plan = Gateway.json(created);
        assertThat(plan.get("tokens_per_day").asLong()).isEqualTo(500_000);
        assertThat(plan.get("priority").asText()).isEqualTo("pro");
        assertThat(plan.get("ads").asBoolean()).isFalse();
        String user = gw.server.keys().issue("p1", Role.USER, null).secret();
        JsonNode offered = Gateway.json(gw.get("/v1/plans", user)).get("data");
        assertThat(offered).extracting(p -> p.get("id").asText()).contains("team");

        HttpResponse<String> again =
                gw.post("/admin/v1/plans", gw.operatorKey, "{\"id\":\"team\",\"priority\":\"free\"}");
        assertThat(again.statusCode()).isEqualTo(409);
        assertThat(error(again).get("code").asText()).isEqualTo("plan_exists");
    }

    @Test
    void badPlans_are400_namingTheField_andNothingIsStored() {
        String before = plans().toString();
        List<String[]> cases = List.of(
                new String[] {"{", "invalid_json", null},
                new String[] {"[]", "invalid_json", null},
                new String[] {"{\"id\":\"x1\",\"colour\":\"red\"}", "unknown_parameter", "colour"},
                new String[] {"{\"id\":\"x2\",\"tokens_per_day\":\"lots\"}", "invalid_type", "tokens_per_day"},
                new String[] {"{\"id\":\"x3\",\"tokens_per_day\":-1}", "invalid_value", "tokens_per_day"},
                new String[] {"{\"id\":\"x4\",\"models\":\"assistant\"}", "invalid_type", "models"},
                new String[] {"{\"id\":\"x5\",\"models\":[\"gpt-9\"],\"priority\":\"free\"}", "invalid_plan", "models"},
                new String[] {"{\"id\":\"x6\",\"priority\":\"vip\"}", "invalid_plan", "priority"},
                new String[] {"{\"id\":\"x7\",\"priority\":\"free\",\"overage\":\"maybe\"}", "invalid_value", "overage"
                },
                new String[] {
                    "{\"id\":\"x8\",\"priority\":\"free\",\"overage\":\"downgrade:gpt-9\"}", "invalid_plan", "overage"
                },
                new String[] {"{\"id\":\"Not An Id\"}", "invalid_value", "id"},
                new String[] {"{\"id\":\"x9\",\"ads\":\"yes\"}", "invalid_type", "ads"},
                new String[] {"{\"id\":\"x10\",\"priority\":\"free\",\"name\":\"a\\u0000b\"}", "invalid_value", "name"},
                new String[] {"{\"name\":\"no id\"}", "missing_parameter", "id"});
        for (String[] c : cases) {
            HttpResponse<String> res = gw.post("/admin/v1/plans", gw.operatorKey, c[0]);
            assertThat(res.statusCode()).as(c[0]).isEqualTo(400);
            assertThat(error(res).get("code").asText()).as(c[0]).isEqualTo(c[1]);
            if (c[2] != null)
                assertThat(error(res).get("param").asText()).as(c[0]).isEqualTo(c[2]);
        }
        assertThat(plans().toString()).isEqualTo(before);
    }

    @Test
    void patch_changesOnlyTheFieldsSent_andAdmissionUsesItAtOnce() {
        gw.post(
                "/admin/v1/plans",
                gw.operatorKey,
                "{\"id\":\"tiny\",\"models\":[\"assistant\"],\"priority\":\"free\"}");
        String user = gw.server.keys().issue("p2", Role.USER, "tiny").secret();
        assertThat(gw.post("/v1/chat/completions", user, Gateway.chat("assistant", false, ",\"max_tokens\":8"))
                        .statusCode())
                .isEqualTo(200);

        HttpResponse<String> patched =
                send("PATCH", "/admin/v1/plans/tiny", gw.operatorKey, "{\"max_output_tokens\":5,\"name\":\"Tiny\"}");

        assertThat(patched.statusCode()).isEqualTo(200);
        assertThat(Gateway.json(patched).get("models").get(0).asText()).isEqualTo("assistant");
        HttpResponse<String> refused =
                gw.post("/v1/chat/completions", user, Gateway.chat("assistant", false, ",\"max_tokens\":8"));
        assertThat(refused.statusCode()).isEqualTo(400);
        assertThat(error(refused).get("code").asText()).isEqualTo("output_too_long");
        assertThat(send("PATCH", "/admin/v1/plans/nope", gw.operatorKey, "{}").statusCode())
                .isEqualTo(404);
    }

    @Test
    void put_createsOrReplaces_andAPlanReadCanBeSentBack() {
        HttpResponse<String> created = send(
                "PUT", "/admin/v1/plans/edu", gw.operatorKey, "{\"models\":[\"assistant\"],\"priority\":\"plus\"}");
        assertThat(created.statusCode()).isEqualTo(201);

        ObjectNode read = (ObjectNode) Gateway.json(gw.get("/admin/v1/plans/edu", gw.operatorKey));
        read.put("tokens_per_month", 1_000_000);
        HttpResponse<String> replaced = send("PUT", "/admin/v1/plans/edu", gw.operatorKey, read.toString());

        assertThat(replaced.statusCode()).isEqualTo(200);
        assertThat(Gateway.json(replaced).get("tokens_per_month").asLong()).isEqualTo(1_000_000);
        assertThat(Gateway.json(replaced).get("created_at").asLong())
                .isEqualTo(read.get("created_at").asLong());
        HttpResponse<String> mismatch =
                send("PUT", "/admin/v1/plans/edu", gw.operatorKey, "{\"id\":\"other\",\"priority\":\"plus\"}");
        assertThat(mismatch.statusCode()).isEqualTo(400);
        assertThat(error(mismatch).get("param").asText()).isEqualTo("id");
    }

    @Test
    void archivedPlan_isNoLongerOffered_butItsAccountsKeepIt() {
        gw.post(
                "/admin/v1/plans",
                gw.operatorKey,
                "{\"id\":\"legacy\",\"models\":[\"assistant\"],\"priority\":\"plus\"}");
        String member = gw.server.keys().issue("p3", Role.USER, "legacy").secret();
        String newcomer = gw.server.keys().issue("p4", Role.USER, null).secret();

        HttpResponse<String> archived = send("DELETE", "/admin/v1/plans/legacy", gw.operatorKey, null);

        assertThat(archived.statusCode()).isEqualTo(200);
        assertThat(Gateway.json(archived).get("archived").asBoolean()).isTrue();
        assertThat(Gateway.json(gw.get("/v1/plans", newcomer)).get("data"))
                .extracting(p -> p.get("id").asText())
                .doesNotContain("legacy");
        HttpResponse<String> choose = gw.post("/v1/me/plan", newcomer, "{\"plan\":\"legacy\"}");
        assertThat(choose.statusCode()).isEqualTo(404);
        assertThat(error(choose).get("code").asText()).isEqualTo("plan_not_found");
        JsonNode me = Gateway.json(gw.get("/v1/me", member));
        assertThat(me.get("plan").get("id").asText()).isEqualTo("legacy");
        assertThat(gw.post("/v1/chat/completions", member, Gateway.chat("assistant", false, ""))
                        .statusCode())
                .isEqualTo(200);

        HttpResponse<String> restored = send("PATCH", "/admin/v1/plans/legacy", gw.operatorKey, "{\"archived\":false}");
        assertThat(Gateway.json(restored).get("archived").asBoolean()).isFalse();
    }

    @Test
    void aKeyIsIssuedOnlyOnAPlanThatExists() {
        HttpResponse<String> unknown =
                gw.post("/admin/v1/keys", gw.operatorKey, "{\"account\":\"k1\",\"plan\":\"gold\"}");
        HttpResponse<String> known =
                gw.post("/admin/v1/keys", gw.operatorKey, "{\"account\":\"k2\",\"plan\":\"plus\"}");

        assertThat(unknown.statusCode()).isEqualTo(404);
        assertThat(error(unknown).get("code").asText()).isEqualTo("plan_not_found");
        assertThat(error(unknown).get("param").asText()).isEqualTo("plan");
        assertThat(gw.server.keys().account("k1")).isEmpty();
        assertThat(known.statusCode()).isEqualTo(201);
        assertThat(Gateway.json(known).get("account").get("plan").asText()).isEqualTo("plus");
    }

    @Test
    void theDefaultPlan_cannotBeArchived_andUnknownPlansAre404() {
        HttpResponse<String> res = send("DELETE", "/admin/v1/plans/free", gw.operatorKey, null);

        assertThat(res.statusCode()).isEqualTo(409);
        assertThat(error(res).get("code").asText()).isEqualTo("plan_is_default");
        assertThat(send("DELETE", "/admin/v1/plans/nope", gw.operatorKey, null).statusCode())
                .isEqualTo(404);
        assertThat(gw.get("/admin/v1/plans/nope", gw.operatorKey).statusCode()).isEqualTo(404);
        assertThat(plans().get(0).get("archived").asBoolean()).isFalse();
    }
}
