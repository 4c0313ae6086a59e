package dev.breakeven.billing;

/**
 * What a model's tokens cost at one moment, in micros per million tokens. A kind with no price in
 * force is 0: an unpriced model is free, never an error, so a rater never stops on a missing price.
 *
 * @param inputPerMillion micros per million prompt tokens
 * @param outputPerMillion micros per million completion tokens
 */
public record ModelRates(long inputPerMillion, long outputPerMillion) {
    public static final ModelRates FREE = new ModelRates(0, 0);
}
