package dev.breakeven.billing;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * What a price is for, and so what its subject names and in which unit its amount is.
 *
 * <p>Kinds are stored by {@linkplain #wireName() wire name} as text, so adding one is adding a
 * constant here (with its subject and unit) and documenting it in docs/billing.md; no migration.
 * The kinds to come follow the same pattern, e.g. {@code AD_CLICK("ad_click", "campaign",
 * Unit.PER_EVENT)}, {@code AD_IMPRESSION("ad_impression", "campaign", Unit.PER_THOUSAND)}, {@code
 * BUSINESS_MESSAGE("business_message", "category", Unit.PER_EVENT)}, {@code CONTENT_USE(...)}.
 * A row whose kind this build does not know (written by a newer node) is ignored by {@link
 * PriceBook}, so an older node keeps working during a rolling upgrade.
 */
public enum PriceKind {
    /** Prompt tokens of a model: micros per million tokens; the subject is the model id users see in /v1/models. */
    MODEL_INPUT("model_input", "model", Unit.PER_MILLION_TOKENS),
    /** Completion tokens of a model: micros per million tokens; the subject is the model id. */
    MODEL_OUTPUT("model_output", "model", Unit.PER_MILLION_TOKENS),
    /** A plan's subscription fee: micros per month; the subject is the plan id. */
    PLAN_FEE("plan_fee", "plan", Unit.PER_MONTH);

    /** The quantity a price's micros pay for. */
    public enum Unit {
        PER_MILLION_TOKENS("per_million_tokens"),
        PER_MONTH("per_month");

        private final String wireName;

        Unit(String wireName) {
            this.wireName = wireName;
        }

        public String wireName() {
            return wireName;
        }
    }

    private final String wireName;
    private final String subjectName;
    private final Unit unit;

    PriceKind(String wireName, String subjectName, Unit unit) {
        this.wireName = wireName;
        this.subjectName = subjectName;
        this.unit = unit;
    }

    /** The name stored in the database and used on the API and the CLI: {@code model_input}, … */
    public String wireName() {
        return wireName;
    }

    /** What the subject names: {@code model} or {@code plan}. */
    public String subjectName() {
        return subjectName;
    }

    public Unit unit() {
        return unit;
    }

    /** The kind with this wire name (case-insensitive, surrounding blanks ignored), or null if none. */
    public static PriceKind parse(String text) {
        if (text == null) return null;
        String wanted = text.strip().toLowerCase(Locale.ROOT);
        for (PriceKind kind : values()) if (kind.wireName.equals(wanted)) return kind;
        return null;
    }

    /** Every wire name, comma-separated, for messages. */
    public static String wireNames() {
        return Arrays.stream(values()).map(PriceKind::wireName).collect(Collectors.joining(", "));
    }
}
