package dev.breakeven.metering;

/** When a response may finish relative to its usage event being durable. */
public enum Durability {
    /** The last bytes of a response are sent only after its event is durable. */
    SYNC,
    /** Responses do not wait; a crash may lose events not yet written. */
    ASYNC
}
