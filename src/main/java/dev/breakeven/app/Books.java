package dev.breakeven.app;

import dev.breakeven.billing.BillingAudit;
import dev.breakeven.billing.Invoicing;
import dev.breakeven.billing.JdbiInvoiceRepository;
import dev.breakeven.billing.JdbiPriceRepository;
import dev.breakeven.billing.JdbiRaterCursor;
import dev.breakeven.billing.Payments;
import dev.breakeven.billing.PlanPayments;
import dev.breakeven.billing.Prepayment;
import dev.breakeven.billing.PriceBook;
import dev.breakeven.billing.Rater;
import dev.breakeven.billing.StripeWebhook;
import dev.breakeven.billing.Wallets;
import dev.breakeven.ledger.GroupCommitLedger;
import dev.breakeven.ledger.JdbiLedgerRepository;
import dev.breakeven.ledger.LedgerAudit;
import dev.breakeven.ledger.Violation;
import dev.breakeven.metering.JdbiJournalRepository;
import dev.breakeven.store.Database;
import dev.breakeven.store.Ids;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.LongSupplier;
import java.util.logging.Logger;
import java.util.stream.Stream;

/**
 * The money parts over one open database — ledger, price book, wallets, rater — built the same way
 * by the server and by the commands that work on the data directly.
 */
final class Books implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(Books.class.getName());

    final JdbiJournalRepository journal;
    final JdbiLedgerRepository ledgerRepository;
    final GroupCommitLedger ledger;
    final PriceBook prices;
    final Wallets wallets;
    final JdbiRaterCursor cursor;
    final Rater rater;
    final JdbiInvoiceRepository invoices;
    final Clock clock;
    private volatile ScheduledExecutorService sweeper;

    Books(Database db, Clock clock, PriceBook prices, Rater.Settings raterSettings) {
        this.clock = clock;
        this.journal = new JdbiJournalRepository(db);
        this.ledgerRepository = new JdbiLedgerRepository(db);
        this.ledger = new GroupCommitLedger(ledgerRepository, clock);
        this.prices = prices;
        this.wallets = new Wallets(ledger);
        this.cursor = new JdbiRaterCursor(db);
        this.rater = new Rater(journal, cursor, prices, ledger, wallets, clock, raterSettings);
        this.invoices = new JdbiInvoiceRepository(db);
    }

    Invoicing invoicing() {
        return new Invoicing(ledger, journal, prices, invoices);
    }

    /** For commands: prices read fresh, the rater's default settings. */
    static Books forCommand(Database db) {
        Clock clock = Clock.systemUTC();
        PriceBook prices = new PriceBook(new JdbiPriceRepository(db.jdbi()), new Ids(clock), clock, Duration.ZERO);
        return new Books(db, clock, prices, Rater.Settings.defaults());
    }

    /** Every broken invariant of the ledger and of its agreement with the journal, ledger's first. */
    List<Violation> audit() {
        List<Violation> out = new ArrayList<>(new LedgerAudit(ledgerRepository).check());
        out.addAll(new BillingAudit(journal, cursor, prices, ledger).check());
        return out;
    }

    /** Starts the rater (when {@code rate}) and the sweep that releases timed-out reservations each second. */
    void start(boolean rate) {
        if (rate) rater.start();
        ScheduledExecutorService s = Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().name("reservation-sweeper").daemon(true).factory());
        s.scheduleWithFixedDelay(this::sweep, 1, 1, TimeUnit.SECONDS);
        sweeper = s;
    }

    private void sweep() {
        try {
            ledger.expirePending(clock.millis());
        } catch (RuntimeException e) {
            LOG.warning("releasing timed-out reservations failed, will retry: " + e.getMessage());
        }
    }

    static Rater.Settings raterSettings(BreakevenConfig.Billing billing) {
        Rater.Settings defaults = Rater.Settings.defaults();
        return new Rater.Settings(
                defaults.batchSize(), Duration.ofMillis(Math.max(1, billing.raterIntervalMs())), defaults.gapGrace());
    }

    Prepayment prepayment(BreakevenConfig.Billing billing) {
        return new Prepayment(
                Prepayment.Mode.parse(billing.mode()),
                prices,
                wallets,
                billing.reserveOutputTokens(),
                Duration.ofMillis(billing.reservationTimeoutMs()));
    }

    /**
     * The payment webhook, or null (answering 404) when its secret variable is unset.
     *
     * @param accounts the account id for an id or name a checkout session carries
     */
    Payments payments(
            BreakevenConfig.Billing billing,
            Map<String, String> env,
            Function<String, Optional<String>> accounts,
            PlanPayments plans) {
        String secrets = env.get(billing.stripe().webhookSecretEnv());
        if (secrets == null || secrets.isBlank()) return null;
        List<String> list = Stream.of(secrets.split(","))
                .map(String::strip)
                .filter(x -> !x.isEmpty())
                .toList();
        StripeWebhook webhook =
                new StripeWebhook(list, Duration.ofSeconds(billing.stripe().toleranceSeconds()), clock);
        return new Payments(webhook, wallets, accounts, plans);
    }

    void registerGauges(MeterRegistry meters) {
        Gauge.builder("breakeven.rater.lag.events", rater, r -> safely(r::lagEvents))
                .description("Journal events not yet rated")
                .register(meters);
        Gauge.builder("breakeven.rater.lag.seconds", rater, r -> safely(r::lagMillis) / 1000.0)
                .description("Age of the oldest journal event not yet rated")
                .register(meters);
        Gauge.builder("breakeven.rater.rated", rater, Rater::rated)
                .description("Usage events rated by this node since it started")
                .register(meters);
        Gauge.builder("breakeven.ledger.waiting", ledger, GroupCommitLedger::waiting)
                .description("Transfer chains waiting for the ledger writer")
                .register(meters);
    }

    /** A gauge must not fail a scrape: NaN when the database cannot be read. */
    private static double safely(LongSupplier value) {
        try {
            return value.getAsLong();
        } catch (RuntimeException e) {
            return Double.NaN;
        }
    }

    @Override
    public void close() {
        if (sweeper != null) sweeper.shutdownNow();
        rater.close();
        ledger.close();
    }
}
