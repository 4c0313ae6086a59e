package dev.breakeven.api;

import dev.breakeven.access.Caller;
import dev.breakeven.access.KeyRing;
import dev.breakeven.assistant.Assistant;
import dev.breakeven.billing.Payments;
import dev.breakeven.billing.PriceBook;
import dev.breakeven.billing.Wallets;
import dev.breakeven.inference.ModelCatalog;
import dev.breakeven.inference.Router;
import dev.breakeven.metering.Journal;
import dev.breakeven.plans.Entitlements;
import dev.breakeven.plans.PlanBook;
import dev.breakeven.plans.PlanChanges;
import dev.breakeven.plans.Renewals;
import io.helidon.webserver.http.FilterChain;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.http.RoutingRequest;
import io.helidon.webserver.http.RoutingResponse;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Clock;
import java.util.function.BooleanSupplier;
import java.util.logging.Level;
import java.util.logging.Logger;

/** Every HTTP route, the access log, request metrics and the one error mapping, wired onto Helidon. */
public final class HttpApi {
    private static final Logger ACCESS = Logger.getLogger("breakeven.access");
    private static final Logger LOG = Logger.getLogger(HttpApi.class.getName());

    /** What the routes need; built in {@code app}. */
    public record Parts(
            KeyRing keys,
            PriceBook prices,
            Wallets wallets,
            Payments payments,
            Clock clock,
            Entitlements entitlements,
            PlanChanges planChanges,
            PlanBook planBook,
            Renewals renewals,
            Assistant assistant,
            ModelCatalog catalog,
            Router router,
            Journal journal,
            PrometheusMeterRegistry meters,
            BooleanSupplier databaseReachable,
            com.fasterxml.jackson.databind.ObjectMapper json,
            long maxBodyBytes,
            boolean accessLog) {}

    private final Parts parts;
    private final HttpJson http;

    public HttpApi(Parts parts) {
        this.parts = parts;
        this.http = new HttpJson(parts.json(), parts.maxBodyBytes());
    }

    public void routing(HttpRouting.Builder routing) {
        Authenticator auth = new Authenticator(parts.keys());
        routing.addFilter(this::observe)
                .register(
                        "/v1",
                        new ChatRoutes(
                                auth, http, parts.assistant(), parts.catalog(), parts.prices(), parts.entitlements()))
                .register(
                        "/v1/me",
                        new MeRoutes(
                                auth,
                                http,
                                parts.journal(),
                                parts.wallets(),
                                parts.prices(),
                                parts.entitlements(),
                                parts.planChanges(),
                                parts.renewals(),
                                parts.clock()))
                .register(
                        "/admin/v1",
                        new AdminRoutes(
                                auth,
                                http,
                                parts.keys(),
                                parts.journal(),
                                parts.router(),
                                parts.prices(),
                                parts.planBook()))
                .register(
                        "/admin/v1",
                        new WalletRoutes(auth, http, parts.keys(), parts.wallets(), parts.planChanges(), parts.clock()))
                .register("/admin/v1", new PlanRoutes(auth, http, parts.planBook(), parts.renewals(), parts.keys()))
                .register("/webhooks", new PaymentRoutes(http, parts.payments()))
                .register(new OpsRoutes(http, parts.meters(), parts.journal(), parts.databaseReachable()))
                .any(this::unknownRoute)
                .error(Throwable.class, this::failure);
    }

    private void unknownRoute(ServerRequest req, ServerResponse res) {
        throw new ApiProblem(
                404,
                "unknown_url",
                "Unknown request URL: " + req.prologue().method().text() + " "
                        + req.prologue().uriPath().path() + ".");
    }

    private void failure(ServerRequest req, ServerResponse res, Throwable t) {
        ApiError error = ApiError.of(t);
        String what =
                req.prologue().method().text() + " " + req.prologue().uriPath().path();
        if (error.status() == 500) LOG.log(Level.SEVERE, "request failed: " + what, t);
        else if (error.status() > 500) LOG.warning(what + ": " + error.code() + ": " + error.message());
        if (res.isSent()) return;
        http.sendError(res, error);
    }

    /** Access log and latency histogram; never logs headers or bodies, so keys stay out of logs. */
    private void observe(FilterChain chain, RoutingRequest req, RoutingResponse res) {
        long start = System.nanoTime();
        try {
            chain.proceed();
        } finally {
            long nanos = System.nanoTime() - start;
            String route = req.matchingPattern().filter(p -> !p.isEmpty()).orElse("unmatched");
            String status = Integer.toString(res.status().code());
            Timer.builder("breakeven.http.requests")
                    .tag("method", req.prologue().method().text())
                    .tag("route", route)
                    .tag("status", status)
                    .publishPercentileHistogram()
                    .register(parts.meters())
                    .record(nanos, java.util.concurrent.TimeUnit.NANOSECONDS);
            if (parts.accessLog() && ACCESS.isLoggable(Level.INFO)) {
                String account = req.context()
                        .get(Caller.class)
                        .map(c -> c.account().id())
                        .orElse("-");
                // logp names the source itself: plain info() makes JUL walk the stack to find it
                ACCESS.logp(
                        Level.INFO,
                        HttpApi.class.getName(),
                        "observe",
                        String.format(
                                "%s \"%s %s\" %s %.1fms account=%s",
                                req.remotePeer().host(),
                                req.prologue().method().text(),
                                req.prologue().uriPath().path(),
                                status,
                                nanos / 1e6,
                                account));
            }
        }
    }
}
