package dev.breakeven.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.breakeven.testing.Gateway;
import dev.breakeven.testing.TestClock;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The operator's price API, through a real HTTP client against a real server. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PriceApiTest {
    static final Instant NOW = Instant.parse("2026-06-15T12:00:00Z");
    static final long JAN = Instant.parse("2026-01-01T00:00:00Z").toEpochMilli();
    static final long MAY = Instant.parse("2026-05-01T00:00:00Z").toEpochMilli();
    static final long AUG = Instant.parse("2026-08-01T00:00:00Z").toEpochMilli();

    @TempDir
    static Path dir;

    Gateway gw;

    @BeforeAll
    void start() {
        gw = Gateway.in(dir).clock(new TestClock(NOW)).start();
    }

    @AfterAll
    void stop() {
        gw.close();
    }

    HttpResponse<String> setPrice(String body) {
        return gw.post("/admin/v1/prices", gw.operatorKey, body);
    }

    JsonNode inForce(String query) {
        HttpResponse<String> res = gw.get("/admin/v1/prices" + query, gw.operatorKey);
        assertThat(res.statusCode()).as(res.body()).isEqualTo(200);
        return Gateway.json(res);
    }

    @Test
    void operator_setsAPrice_inForceFromNow_andItIsListedAtOnce() {
        HttpResponse<String> created =
                setPrice("{\"kind\":\"model_input\",\"subject\":\"assistant\",\"micros\":150000,\"note\":\"launch\"}");

        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        JsonNode price = Gateway.json(created);
        assertThat(price.get("id").asText()).startsWith("price_");
        assertThat(price.get("object").asText()).isEqualTo("price");
        assertThat(price.get("kind").asText()).isEqualTo("model_input");
        assertThat(price.get("subject").asText()).isEqualTo("assistant");
        assertThat(price.get("micros").asLong()).isEqualTo(150_000);
        assertThat(price.get("amount").asText()).isEqualTo("0.15");
        assertThat(price.get("unit").asText()).isEqualTo("per_million_tokens");
        assertThat(price.get("effective_from").asLong()).isEqualTo(NOW.toEpochMilli());
        assertThat(price.get("created_at").asLong()).isEqualTo(NOW.toEpochMilli());
        assertThat(price.get("note").asText()).isEqualTo("launch");

        JsonNode list = inForce("");
        assertThat(list.get("object").asText()).isEqualTo("list");
        assertThat(list.get("at").asLong()).isEqualTo(NOW.toEpochMilli());
        assertThat(list.get("data")).anySatisfy(p -> assertThat(p).isEqualTo(price));
    }

    @Test
    void prices_atAnotherTime_showWhatWasOrWillBeInForce() {
        assertThat(setPrice("{\"kind\":\"plan_fee\",\"subject\":\"plus\",\"micros\":20000000,\"effective_from\":" + JAN
                                + "}")
                        .statusCode())
                .isEqualTo(201);
        assertThat(setPrice("{\"kind\":\"plan_fee\",\"subject\":\"plus\",\"micros\":25000000,"
                                + "\"effective_from\":\"2026-08-01T00:00:00Z\",\"note\":\"announced\"}")
                        .statusCode())
                .isEqualTo(201);

        assertThat(plusFee("")).isEqualTo(20_000_000);
        assertThat(plusFee("?at=2026-07-31T23:59:59.999Z")).isEqualTo(20_000_000);
        assertThat(plusFee("?at=" + AUG)).isEqualTo(25_000_000);
        assertThat(inForce("?at=" + (JAN - 1)).get("data"))
                .noneSatisfy(p -> assertThat(p.get("subject").asText()).isEqualTo("plus"));
        assertThat(inForce("?at=2026-08-01T00:00:00Z").get("at").asLong()).isEqualTo(AUG);
    }

    private long plusFee(String query) {
        for (JsonNode p : inForce(query).get("data")) {
            if (p.get("kind").asText().equals("plan_fee")
                    && p.get("subject").asText().equals("plus")) {
                assertThat(p.get("unit").asText()).isEqualTo("per_month");
                return p.get("micros").asLong();
            }
        }
        throw new AssertionError("no plan_fee for plus in " + query);
    }

    @Test
    void history_isNewestFirst_andSelectsByKindAndSubject() {
        setPrice("{\"kind\":\"model_output\",\"subject\":\"hist\",\"micros\":600000,\"effective_from\":" + JAN + "}");
        setPrice("{\"kind\":\"model_output\",\"subject\":\"hist\",\"micros\":500000,\"effective_from\":" + MAY + "}");
        setPrice("{\"kind\":\"model_input\",\"subject\":\"hist\",\"micros\":100000,\"effective_from\":" + JAN + "}");

        JsonNode outputs =
                Gateway.json(gw.get("/admin/v1/prices/history?kind=model_output&subject=hist", gw.operatorKey));
        assertThat(outputs.get("object").asText()).isEqualTo("list");
        assertThat(outputs.get("data"))
                .extracting(p -> p.get("micros").asLong())
                .containsExactly(500_000L, 600_000L);

        JsonNode both = Gateway.json(gw.get("/admin/v1/prices/history?subject=hist", gw.operatorKey));
        assertThat(both.get("data")).hasSize(3);
        JsonNode everything = Gateway.json(gw.get("/admin/v1/prices/history?kind=&subject=", gw.operatorKey));
        assertThat(everything.get("data").size()).isGreaterThanOrEqualTo(3);
    }

    @Test
    void anotherAmountForTheSameInstant_is409_andTheSameAmount_returnsTheStoredPrice() {
        String body = "{\"kind\":\"model_input\",\"subject\":\"twice\",\"micros\":1000,\"effective_from\":" + JAN + "}";
        JsonNode first = Gateway.json(setPrice(body));

        HttpResponse<String> again = setPrice(body);
        assertThat(again.statusCode()).isEqualTo(201);
        assertThat(Gateway.json(again).get("id")).isEqualTo(first.get("id"));

        HttpResponse<String> other = setPrice(body.replace("1000", "2000"));
        assertThat(other.statusCode()).isEqualTo(409);
        JsonNode error = Gateway.json(other).get("error");
        assertThat(error.get("code").asText()).isEqualTo("price_exists");
        assertThat(error.get("param").asText()).isEqualTo("effective_from");
        assertThat(error.get("message").asText()).contains("twice").contains("2026-01-01T00:00:00Z");

        JsonNode history = Gateway.json(gw.get("/admin/v1/prices/history?subject=twice", gw.operatorKey));
        assertThat(history.get("data")).singleElement().isEqualTo(first);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', textBlock = """
            not JSON               | {"kind":                                                                       | invalid_json      |
            not an object          | [1,2]                                                                          | invalid_json      |
            no kind                | {"subject":"bad","micros":1}                                                   | missing_parameter | kind
            unknown kind           | {"kind":"ad_click","subject":"bad","micros":1}                                 | invalid_value     | kind
            kind not a string      | {"kind":1,"subject":"bad","micros":1}                                          | invalid_type      | kind
            no subject             | {"kind":"model_input","micros":1}                                              | missing_parameter | subject
            blank subject          | {"kind":"model_input","subject":"  ","micros":1}                               | invalid_value     | subject
            no micros              | {"kind":"model_input","subject":"bad"}                                         | missing_parameter | micros
            micros as dollars      | {"kind":"model_input","subject":"bad","micros":0.15}                           | invalid_type      | micros
            micros as a string     | {"kind":"model_input","subject":"bad","micros":"150000"}                       | invalid_type      | micros
            negative micros        | {"kind":"model_input","subject":"bad","micros":-1}                             | invalid_value     | micros
            micros too large       | {"kind":"model_input","subject":"bad","micros":100000000000000000000000}       | invalid_value     | micros
            time not a time        | {"kind":"model_input","subject":"bad","micros":1,"effective_from":"tomorrow"}  | invalid_value     | effective_from
            time of wrong type     | {"kind":"model_input","subject":"bad","micros":1,"effective_from":true}        | invalid_type      | effective_from
            negative time          | {"kind":"model_input","subject":"bad","micros":1,"effective_from":-5}          | invalid_value     | effective_from
            note not a string      | {"kind":"model_input","subject":"bad","micros":1,"note":5}                     | invalid_type      | note
            misspelt field         | {"kind":"model_input","subject":"bad","micros":1,"efective_from":0}            | unknown_parameter | efective_from
            """)
    void badInput_is400_namingTheParam_andStoresNothing(String name, String body, String code, String param) {
        HttpResponse<String> res = setPrice(body);

        assertThat(res.statusCode()).as(res.body()).isEqualTo(400);
        JsonNode error = Gateway.json(res).get("error");
        assertThat(error.get("type").asText()).isEqualTo("invalid_request_error");
        assertThat(error.get("code").asText()).isEqualTo(code);
        if (param == null) assertThat(error.get("param").isNull()).isTrue();
        else assertThat(error.get("param").asText()).isEqualTo(param);
        assertThat(Gateway.json(gw.get("/admin/v1/prices/history?subject=bad", gw.operatorKey))
                        .get("data"))
                .isEmpty();
    }

    @Test
    void badQueries_are400_namingTheParam() {
        List<String[]> cases = new ArrayList<>();
        cases.add(new String[] {"/admin/v1/prices?at=soon", "at"});
        cases.add(new String[] {"/admin/v1/prices/history?kind=ad_click", "kind"});
        for (String[] c : cases) {
            HttpResponse<String> res = gw.get(c[0], gw.operatorKey);
            assertThat(res.statusCode()).as(c[0]).isEqualTo(400);
            assertThat(Gateway.json(res).get("error").get("param").asText()).isEqualTo(c[1]);
        }
    }

    @Test
    void priceRoutes_needAnOperatorKey() {
        assertThat(gw.get("/admin/v1/prices", gw.userKey).statusCode()).isEqualTo(403);
        assertThat(gw.get("/admin/v1/prices/history", gw.advertiserKey).statusCode())
                .isEqualTo(403);
        assertThat(setPriceAs(gw.userKey).statusCode()).isEqualTo(403);
        assertThat(setPriceAs(null).statusCode()).isEqualTo(401);
    }

    private HttpResponse<String> setPriceAs(String key) {
        return gw.post("/admin/v1/prices", key, "{\"kind\":\"model_input\",\"subject\":\"x\",\"micros\":1}");
    }
}
