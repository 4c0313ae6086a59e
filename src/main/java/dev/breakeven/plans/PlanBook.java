package dev.breakeven.plans;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.locks.ReentrantLock;
import java.util.logging.Logger;

/**
 * The plans of this deployment, kept in the database and read from an in-memory {@link
 * PlanCatalog} that is reloaded once it is older than {@code maxAge}: a change made through this
 * instance applies here at once, one made elsewhere (another node) within {@code maxAge}.
 *
 * <p>Plans are created, replaced and archived, never deleted, so an account's plan always exists.
 * The default plan cannot be archived. Failures: {@link PlanException} with a stable code for a
 * change that is refused; {@link dev.breakeven.store.StoreException} when the database fails (a
 * catalog already loaded keeps serving meanwhile).
 */
public final class PlanBook {
    private static final Logger LOG = Logger.getLogger(PlanBook.class.getName());

    private final PlanRepository repo;
    private final String defaultPlan;
    private final PlanRules rules;
    private final Clock clock;
    private final long maxAgeMillis;
    private final ReentrantLock loading = new ReentrantLock();
    private volatile Loaded loaded;

    /** A plan stored by {@link #put}, and whether it was new. */
    public record Saved(StoredPlan plan, boolean created) {}

    private record Loaded(PlanCatalog catalog, long at) {}

    /** @param defaultPlan the plan of accounts that have none, or null for no limits on them */
    public PlanBook(PlanRepository repo, String defaultPlan, PlanRules rules, Clock clock, Duration maxAge) {
        this.repo = repo;
        this.defaultPlan = defaultPlan;
        this.rules = rules;
        this.clock = clock;
        this.maxAgeMillis = maxAge.toMillis();
    }

    /** The current catalog: at most {@code maxAge} old. */
    public PlanCatalog catalog() {
        Loaded l = loaded;
        if (l != null && clock.millis() - l.at() < maxAgeMillis) return l.catalog();
        if (l == null) {
            loading.lock(); // nothing to serve yet: wait for the first load
        } else if (!loading.tryLock()) {
            return l.catalog(); // another caller is reloading
        }
        try {
            Loaded current = loaded;
            if (current != null && current != l) return current.catalog();
            return load().catalog();
        } catch (RuntimeException e) {
            if (l == null) throw e;
            LOG.warning("reloading the plans failed, serving the copy loaded before: " + e.getMessage());
            return l.catalog();
        } finally {
            loading.unlock();
        }
    }

    /** Every plan as stored, archived ones too, read now. */
    public List<StoredPlan> stored() {
        return repo.all();
    }

    /** One plan as stored, read now. */
    public Optional<StoredPlan> find(String id) {
        return repo.all().stream().filter(s -> s.plan().id().equals(id)).findFirst();
    }

    /**
     * Stores a configured plan unless one with its id exists (the stored one wins).
     *
     * @return whether it was stored now
     */
    public boolean seed(Plan plan) {
        boolean inserted = repo.insert(plan, clock.millis());
        reload();
        return inserted;
    }

    /**
     * @throws PlanException {@code invalid_plan}, or {@code plan_exists} when its id is taken
     */
    public StoredPlan create(Plan plan) {
        rules.check(plan);
        if (!repo.insert(plan, clock.millis())) {
            throw new PlanException("plan_exists", "There is already a plan '" + plan.id() + "'.");
        }
        reload();
        return require(plan.id());
    }

    /**
     * Creates the plan or replaces its terms.
     *
     * @param archived archive it (true), offer it again (false), or keep its state (null)
     * @throws PlanException {@code invalid_plan}, or {@code plan_is_default} when archiving the default plan
     */
    public Saved put(Plan plan, Boolean archived) {
        rules.check(plan);
        if (Boolean.TRUE.equals(archived)) refuseIfDefault(plan.id());
        long now = clock.millis();
        boolean created = false;
        if (!repo.update(plan, archived, now)) {
            created = repo.insert(plan, now);
            // lost a race with a concurrent create: replace what it stored
            if (!created) repo.update(plan, archived, now);
            if (created && Boolean.TRUE.equals(archived)) repo.update(plan, true, now);
        }
        reload();
        return new Saved(require(plan.id()), created);
    }

    /**
     * Stops offering a plan; the accounts on it keep it.
     *
     * @throws PlanException {@code plan_not_found}, {@code plan_is_default}
     */
    public StoredPlan archive(String id) {
        StoredPlan current = find(id).orElseThrow(() -> notFound(id));
        refuseIfDefault(id);
        repo.update(current.plan(), true, clock.millis());
        reload();
        return require(id);
    }

    public String defaultPlan() {
        return defaultPlan;
    }

    static PlanException notFound(String id) {
        return new PlanException("plan_not_found", "There is no plan '" + id + "'.");
    }

    private void refuseIfDefault(String id) {
        if (id.equals(defaultPlan)) {
            throw new PlanException(
                    "plan_is_default",
                    "'" + id + "' is the default plan (default_plan in the configuration) and cannot be archived.");
        }
    }

    private StoredPlan require(String id) {
        return find(id).orElseThrow(() -> notFound(id));
    }

    private void reload() {
        loading.lock();
        try {
            load();
        } finally {
            loading.unlock();
        }
    }

    /** Only under {@link #loading}, so that an older read never replaces a newer one. */
    private Loaded load() {
        long at = clock.millis();
        List<StoredPlan> all = repo.all();
        boolean hasDefault = all.stream().anyMatch(s -> s.plan().id().equals(defaultPlan));
        Loaded fresh = new Loaded(PlanCatalog.of(all, hasDefault ? defaultPlan : null), at);
        loaded = fresh;
        return fresh;
    }
}
