package dev.breakeven.plans;

import java.util.List;

/**
 * Where the plans on offer are kept. Every method throws {@link dev.breakeven.store.StoreException}
 * when the database fails; nothing is half-written.
 */
public interface PlanRepository {

    /** Every plan, archived ones too, in catalog order (the order they were first stored). */
    List<StoredPlan> all();

    /** Stores a new plan at the end of the catalog. @return false, changing nothing, when its id exists */
    boolean insert(Plan plan, long now);

    /**
     * Replaces a plan's terms, keeping its place in the catalog.
     *
     * @param archived the new state, or null to keep it
     * @return false, changing nothing, when there is no plan with its id
     */
    boolean update(Plan plan, Boolean archived, long now);
}
