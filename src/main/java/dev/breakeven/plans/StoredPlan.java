package dev.breakeven.plans;

/**
 * A plan as the plan store keeps it.
 *
 * @param archived no longer offered: accounts on it keep it, nobody new may choose it
 * @param createdAt when it was first stored (epoch ms)
 * @param updatedAt when its terms or state last changed (epoch ms)
 */
public record StoredPlan(Plan plan, boolean archived, long createdAt, long updatedAt) {}
