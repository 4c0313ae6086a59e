package dev.breakeven.ledger;

/**
 * A broken invariant found by an audit.
 *
 * @param code stable: {@code balance_mismatch}, {@code unbalanced}, {@code rule_broken}, and from
 *     billing's audit {@code event_not_posted}, {@code event_posted_twice}, {@code event_amount_mismatch}
 * @param message names the account, transfer or event and the numbers that disagree
 */
public record Violation(String code, String message) {}
