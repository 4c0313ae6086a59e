package dev.breakeven.app;

import java.util.List;

/** The whole configuration, as read from {@code breakeven.yaml} over the built-in defaults. */
public record BreakevenConfig(
        Server server,
        String dataDir,
        Database database,
        Metering metering,
        List<Backend> backends,
        List<Model> models,
        List<Price> prices,
        Billing billing,
        List<PlanEntry> plans,
        String defaultPlan,
        Scheduler scheduler,
        Cluster cluster) {

    /** This configuration with other plans and default plan (the demo's, when none are configured). */
    public BreakevenConfig withPlans(List<PlanEntry> newPlans, String newDefault) {
        return new BreakevenConfig(
                server,
                dataDir,
                database,
                metering,
                backends,
                models,
                prices,
                billing,
                newPlans,
                newDefault,
                scheduler,
                cluster);
    }

    /**
     * {@code key_cache_ms}: how long an authenticated key is trusted without a database lookup (0 =
     * never); {@code price_cache_ms}: how old the in-memory copy of the price book may get before a
     * lookup reloads it.
     */
    public record Server(
            String host, int port, long maxBodyBytes, boolean accessLog, long keyCacheMs, long priceCacheMs) {}

    public record Database(String url, String user, String passwordEnv, int poolSize) {}

    public record Metering(String durability) {}

    /**
     * One place generations run. {@code type} is {@code openai} for any OpenAI-compatible server
     * (timeouts and intervals in milliseconds; a health check interval of 0 turns probing off, a
     * failure threshold of 0 the circuit breaker), {@code llama} for a GGUF file served in this
     * process ({@code path}, {@code threads}, {@code context} tokens per slot, {@code capacity}
     * slots), or {@code knowledge} for answers from a knowledge base ({@code knowledge_base}, an
     * optional {@code writer} backend and {@code writer_model} for RAG, {@code passages}, {@code
     * min_similarity}). Keys of other types stay null.
     */
    public record Backend(
            String id,
            String type,
            String baseUrl,
            String apiKeyEnv,
            String apiKeyFile,
            Integer capacity,
            Long connectTimeoutMs,
            Long firstByteTimeoutMs,
            Long idleTimeoutMs,
            Long healthCheckIntervalMs,
            Long healthCheckTimeoutMs,
            Integer failureThreshold,
            Long coolDownMs,
            String path,
            Integer threads,
            Integer context,
            String knowledgeBase,
            String writer,
            String writerModel,
            Integer passages,
            Double minSimilarity) {

        /** An {@code openai} backend with routing defaults left to the validator. */
        public static Backend openai(String id, String baseUrl, String apiKeyEnv, String apiKeyFile) {
            return new Backend(
                    id,
                    "openai",
                    baseUrl,
                    apiKeyEnv,
                    apiKeyFile,
                    null,
                    null,
                    null,
                    null,
                    null,
                    null,
                    null,
                    null,
                    null,
                    null,
                    null,
                    null,
                    null,
                    null,
                    null,
                    null);
        }
    }

    public record Model(String id, String description, List<Route> backends) {}

    public record Route(String backend, String model) {}

    /**
     * A price to seed the price book with (docs/billing.md): either a model's token prices, in
     * micros per million tokens ({@code model} with {@code input_per_million_micros} and/or {@code
     * output_per_million_micros}), or a plan's fee in micros per month ({@code plan} with {@code
     * monthly_micros}). Keys of the other form stay null.
     */
    public record Price(
            String model, Long inputPerMillionMicros, Long outputPerMillionMicros, String plan, Long monthlyMicros) {}

    /**
     * How usage is paid: {@code mode} {@code prepaid} (each generation reserves what it may cost from
     * the wallet, and is refused when the wallet cannot cover it) or {@code postpaid} (what the
     * wallet does not cover is owed and invoiced); {@code reserve_output_tokens} for a request with
     * no {@code max_tokens}; {@code reservation_timeout_ms} after which an unposted reservation is
     * released; {@code rater_interval_ms} the rater's pause when it has caught up (0 = no rater on
     * this node); {@code stripe} the payment webhook; {@code subscriptions} plan renewals.
     */
    public record Billing(
            String mode,
            long reserveOutputTokens,
            long reservationTimeoutMs,
            long raterIntervalMs,
            Stripe stripe,
            Subscriptions subscriptions) {}

    /**
     * {@code renewal_interval_ms}: how often this node renews the plans that are due (0 = never on
     * this node); {@code grace_hours}: how long an account whose renewal could not be paid keeps
     * its plan before it falls to the default plan.
     */
    public record Subscriptions(long renewalIntervalMs, long graceHours) {}

    /**
     * {@code webhook_secret_env}: the variable holding the webhook's signing secret (several,
     * comma-separated, while rotating); the webhook is off while it is unset. {@code
     * tolerance_seconds}: how far a signature's time may be from now.
     */
    public record Stripe(String webhookSecretEnv, long toleranceSeconds) {}

    /**
     * One plan of {@code plans:} (docs/plans.md). Limits of 0 or left out mean none; {@code overage}
     * is {@code refuse}, {@code wallet} or {@code downgrade:<model>}.
     */
    public record PlanEntry(
            String id,
            String name,
            Long monthlyMicros,
            List<String> models,
            Long maxContextTokens,
            Long maxOutputTokens,
            Long tokensPerDay,
            Long tokensPerMonth,
            Long requestsPerMinute,
            Long tokensPerMinute,
            String priority,
            Boolean ads,
            String overage) {}

    /**
     * The compute scheduler's policy (docs/scheduler.md): {@code initial_hold_estimate_ms} how long a
     * generation is assumed to hold a slot until measured, {@code min_retry_after_ms} the shortest
     * {@code Retry-After} of a refusal, {@code max_waiting} the most requests waiting for one
     * backend, {@code adaptive_headroom_time_constant_ms} how long measured demand of the higher
     * classes is remembered to raise their headroom (0: static shares only) and {@code
     * adaptive_headroom_z} how many standard deviations of it the headroom covers, and the priority
     * classes ({@code classes}; left out: the suggested free, plus and pro, which the validator
     * fills in).
     */
    public record Scheduler(
            long initialHoldEstimateMs,
            long minRetryAfterMs,
            int maxWaiting,
            long adaptiveHeadroomTimeConstantMs,
            double adaptiveHeadroomZ,
            List<SchedulerClass> classes) {}

    /**
     * Where the plans' limits are counted (docs/cluster.md): {@code counters} {@code in_process} (this
     * node alone) or {@code redis} (shared by every node using the Redis that the variable named by
     * {@code redis_url_env} points at, each call waiting at most {@code redis_timeout_ms}).
     */
    public record Cluster(String counters, String redisUrlEnv, long redisTimeoutMs) {}

    /**
     * One priority class of {@code scheduler.classes}: its {@code name} (what plans' {@code priority}
     * names), {@code rank} (higher is served first), {@code max_wait_ms}, {@code max_share} of a
     * backend for it and the classes below it, and {@code on_saturation}: {@code refuse} (left out)
     * or {@code downgrade:<model>}.
     */
    public record SchedulerClass(String name, Integer rank, Long maxWaitMs, Double maxShare, String onSaturation) {}
}
