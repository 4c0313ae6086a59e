package dev.breakeven.app;

import dev.breakeven.access.Account;
import dev.breakeven.access.KeyRing;
import dev.breakeven.billing.BillingException;
import dev.breakeven.billing.PlanPayments;
import dev.breakeven.billing.Subscriptions;
import dev.breakeven.plans.JdbiPlanRepository;
import dev.breakeven.plans.JdbiSubscriptionRepository;
import dev.breakeven.plans.Plan;
import dev.breakeven.plans.PlanBook;
import dev.breakeven.plans.PlanChanges;
import dev.breakeven.plans.PlanException;
import dev.breakeven.plans.PlanRules;
import dev.breakeven.plans.Renewals;
import dev.breakeven.store.Database;
import dev.breakeven.store.Ids;
import java.time.Clock;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;

/**
 * The plans of a running Breakeven and what they cost: the plan book (seeded from the
 * configuration), plan changes, monthly renewals on a timer, and what payments through the webhook
 * mean for plans.
 */
final class PlanBilling implements PlanPayments, AutoCloseable {
    private static final Logger LOG = Logger.getLogger(PlanBilling.class.getName());

    final PlanBook book;
    final PlanChanges changes;
    final Renewals renewals;
    /** Every account's subscription, as stored. */
    final JdbiSubscriptionRepository records;

    private final KeyRing keys;
    private final Subscriptions subscriptions;
    private final long intervalMs;
    private volatile ScheduledExecutorService timer;

    PlanBilling(BreakevenConfig config, Database db, Books books, KeyRing keys, Ids ids, Clock clock) {
        this.keys = keys;
        Set<String> models = new java.util.HashSet<>();
        config.models().forEach(m -> models.add(m.id()));
        Set<String> classes = new java.util.HashSet<>();
        SchedulerSettings.policy(config.scheduler()).classes().forEach(c -> classes.add(c.name()));
        this.book = new PlanBook(
                new JdbiPlanRepository(db.jdbi()),
                config.defaultPlan(),
                new PlanRules(models, classes),
                clock,
                Duration.ofMillis(config.server().priceCacheMs()));
        for (BreakevenConfig.PlanEntry entry : config.plans()) seed(PlanSettings.plan(entry));
        this.records = new JdbiSubscriptionRepository(db.jdbi());
        this.subscriptions = new Subscriptions(books.ledger, books.wallets);
        this.changes = new PlanChanges(book::catalog, subscriptions, records, books.prices, keys::setPlan, ids, clock);
        this.renewals = new Renewals(
                book::catalog,
                subscriptions,
                records,
                books.prices,
                keys::setPlan,
                Duration.ofHours(config.billing().subscriptions().graceHours()),
                clock);
        this.intervalMs = config.billing().subscriptions().renewalIntervalMs();
    }

    /** A configured plan is stored when absent; a stored plan that differs wins, with a warning. */
    private void seed(Plan plan) {
        if (book.seed(plan)) return;
        book.find(plan.id())
                .filter(stored -> !stored.plan().equals(plan))
                .ifPresent(stored -> LOG.warning("plan '" + plan.id() + "' in the configuration differs from the"
                        + " stored one, which wins (edit it with PUT /admin/v1/plans/" + plan.id() + ")"));
    }

    /** Starts renewing due subscriptions every {@code billing.subscriptions.renewal_interval_ms}. */
    void start() {
        if (intervalMs <= 0) return;
        ScheduledExecutorService t = Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().name("plan-renewals").daemon(true).factory());
        t.scheduleWithFixedDelay(this::renewQuietly, 0, intervalMs, TimeUnit.MILLISECONDS);
        timer = t;
    }

    private void renewQuietly() {
        try {
            renewals.renewDue();
        } catch (RuntimeException e) {
            LOG.warning("renewing plans failed, will retry: " + e.getMessage());
        }
    }

    @Override
    public String planBought(String accountId, String planId, String eventId) {
        Optional<Account> account = keys.account(accountId);
        if (account.isEmpty()) return "account_not_found";
        String changeId = "pay_" + eventId;
        if (subscriptions.charged(changeId) > 0) return "duplicate"; // bought by an earlier delivery
        try {
            changes.change(accountId, account.get().planId(), planId, changeId);
            return "plan_changed";
        } catch (PlanException e) {
            return e.code();
        } catch (BillingException e) {
            return e.code();
        }
    }

    @Override
    public String paid(String accountId) {
        return renewals.renew(accountId)
                .map(r -> r.outcome().name().toLowerCase(Locale.ROOT))
                .orElse(null);
    }

    @Override
    public String paymentFailed(String accountId, long failedAt) {
        return renewals.paymentFailed(accountId, failedAt)
                .map(s -> s.status().wire())
                .orElse(null);
    }

    @Override
    public void close() {
        if (timer != null) timer.shutdownNow();
    }
}
