package dev.breakeven.plans;

import java.util.List;
import java.util.Optional;

/**
 * Where subscriptions are kept, one per account. Every method throws {@link
 * dev.breakeven.store.StoreException} when the database fails.
 */
public interface SubscriptionRepository {

    Optional<Subscription> find(String accountId);

    /** Stores the account's subscription, replacing the one it had. */
    void save(Subscription subscription);

    /**
     * Stores {@code next} only if the account's subscription is still {@code expected} (same plan,
     * status and paid-through time): two nodes renewing at once never overwrite each other.
     *
     * @return whether it was stored
     */
    boolean replace(Subscription expected, Subscription next);

    /** Ends the account's subscription (it is on the default plan); nothing happens if it had none. */
    void delete(String accountId);

    /** Subscriptions with something to do at {@code now}: a period to pay, or a grace period over; oldest first. */
    List<Subscription> due(long now);

    /** Every subscription, by account id. */
    List<Subscription> all();
}
