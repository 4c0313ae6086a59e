package dev.breakeven.api;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.breakeven.metering.Journal;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.function.BooleanSupplier;

/** {@code /health} for load balancers and {@code /metrics} for Prometheus; neither needs a key. */
final class OpsRoutes implements HttpService {
    private final HttpJson http;
    private final PrometheusMeterRegistry meters;
    private final Journal journal;
    private final BooleanSupplier databaseReachable;

    OpsRoutes(HttpJson http, PrometheusMeterRegistry meters, Journal journal, BooleanSupplier databaseReachable) {
        this.http = http;
        this.meters = meters;
        this.journal = journal;
        this.databaseReachable = databaseReachable;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get("/health", this::health).get("/metrics", this::metrics);
    }

    private void health(ServerRequest req, ServerResponse res) {
        boolean database = databaseReachable.getAsBoolean();
        ObjectNode body = http.mapper().createObjectNode();
        body.put("status", database ? "UP" : "DOWN");
        ObjectNode checks = body.putObject("checks");
        checks.put("database", database ? "UP" : "DOWN");
        checks.put("journal_pending", journal.pending());
        http.send(res, database ? 200 : 503, body);
    }

    private void metrics(ServerRequest req, ServerResponse res) {
        res.header(HeaderNames.CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8");
        res.send(meters.scrape().getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }
}
