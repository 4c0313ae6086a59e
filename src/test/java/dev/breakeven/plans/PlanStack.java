package dev.breakeven.plans;

import dev.breakeven.access.JdbiAccessRepository;
import dev.breakeven.access.KeyRing;
import dev.breakeven.access.Role;
import dev.breakeven.billing.JdbiPriceRepository;
import dev.breakeven.billing.PriceBook;
import dev.breakeven.billing.Subscriptions;
import dev.breakeven.billing.Wallets;
import dev.breakeven.ledger.GroupCommitLedger;
import dev.breakeven.ledger.JdbiLedgerRepository;
import dev.breakeven.ledger.LedgerAudit;
import dev.breakeven.ledger.Violation;
import dev.breakeven.store.Ids;
import dev.breakeven.testing.TestClock;
import dev.breakeven.testing.TestDatabase;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;

/**
 * The real plan parts over one test database: plan book, accounts, ledger, wallets, plan changes
 * and renewals, with a clock the test moves. Free (default, $0), Plus ($20) and Pro ($50).
 */
final class PlanStack implements AutoCloseable {
    static final Duration GRACE = Duration.ofHours(72);
    static final long PLUS_FEE = 20_000_000;
    static final long PRO_FEE = 50_000_000;

    final TestDatabase.Opened opened;
    final TestClock clock;
    final Ids ids;
    final KeyRing keys;
    final GroupCommitLedger ledger;
    final PriceBook prices;
    final Wallets wallets;
    final Subscriptions subscriptions;
    final JdbiSubscriptionRepository records;
    final PlanBook book;
    final PlanChanges changes;
    final Renewals renewals;

    PlanStack(TestDatabase engine, Path dir, Instant start) {
        opened = engine.open(dir);
        clock = new TestClock(start);
        ids = new Ids(clock);
        keys = new KeyRing(new JdbiAccessRepository(opened.db().jdbi()), ids, clock, Duration.ZERO);
        ledger = new GroupCommitLedger(new JdbiLedgerRepository(opened.db()), clock);
        prices = new PriceBook(new JdbiPriceRepository(opened.db().jdbi()), ids, clock, Duration.ZERO);
        wallets = new Wallets(ledger);
        subscriptions = new Subscriptions(ledger, wallets);
        records = new JdbiSubscriptionRepository(opened.db().jdbi());
        book = book(Duration.ZERO);
        for (Plan p : List.of(plan("free", 0), plan("plus", PLUS_FEE), plan("pro", PRO_FEE))) book.seed(p);
        changes = new PlanChanges(book::catalog, subscriptions, records, prices, keys::setPlan, ids, clock);
        renewals = renewals();
    }

    /** Another node's plan book over the same database. */
    PlanBook book(Duration maxAge) {
        return new PlanBook(
                new JdbiPlanRepository(opened.db().jdbi()),
                "free",
                new PlanRules(Set.of("small", "large"), Set.of("free", "plus", "pro")),
                clock,
                maxAge);
    }

    /** Another node's renewals over the same database. */
    Renewals renewals() {
        return new Renewals(book::catalog, subscriptions, records, prices, keys::setPlan, GRACE, clock);
    }

    static Plan plan(String id, long fee) {
        return new Plan(
                id,
                id.substring(0, 1).toUpperCase() + id.substring(1),
                fee,
                fee == 0 ? List.of("small") : List.of("small", "large"),
                0,
                0,
                0,
                0,
                0,
                0,
                id,
                fee == 0,
                Overage.REFUSE);
    }

    /** A new account on the default plan, with {@code granted} micros of granted credit. */
    String account(String name, long granted) {
        String id = keys.issue(name, Role.USER, null).account().id();
        if (granted > 0) wallets.grant(id, granted, "welcome-" + id, null, clock.millis());
        return id;
    }

    String planOf(String accountId) {
        return keys.account(accountId).orElseThrow().planId();
    }

    long available(String accountId) {
        var w = wallets.balance(accountId);
        return w.granted() + w.paid();
    }

    List<Violation> audit() {
        return new LedgerAudit(new JdbiLedgerRepository(opened.db())).check();
    }

    static long at(String instant) {
        return Instant.parse(instant).toEpochMilli();
    }

    @Override
    public void close() {
        ledger.close();
        opened.close();
    }
}
