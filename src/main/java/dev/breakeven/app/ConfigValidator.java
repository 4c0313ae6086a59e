package dev.breakeven.app;

import java.net.URI;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** Checks a bound configuration and fills per-backend defaults; every message names its key. */
final class ConfigValidator {
    static final int DEFAULT_CAPACITY = 64;
    static final long DEFAULT_CONNECT_TIMEOUT_MS = 5_000;
    static final long DEFAULT_FIRST_BYTE_TIMEOUT_MS = 120_000;
    static final long DEFAULT_IDLE_TIMEOUT_MS = 60_000;
    static final long DEFAULT_HEALTH_CHECK_INTERVAL_MS = 10_000;
    static final long DEFAULT_HEALTH_CHECK_TIMEOUT_MS = 2_000;
    static final int DEFAULT_FAILURE_THRESHOLD = 5;
    static final long DEFAULT_COOL_DOWN_MS = 30_000;
    static final int DEFAULT_LLAMA_CAPACITY = 1;
    static final int DEFAULT_LLAMA_CONTEXT = 2048;
    static final int MIN_LLAMA_CONTEXT = 16;
    static final long MAX_LLAMA_TOKENS = 1L << 24; // context x slots: what llama.cpp is asked to allocate
    static final int DEFAULT_KNOWLEDGE_CAPACITY = 16;
    static final int DEFAULT_KNOWLEDGE_PASSAGES = 4;
    static final double DEFAULT_MIN_SIMILARITY = 0.35;

    private ConfigValidator() {}

    static BreakevenConfig validate(BreakevenConfig c) {
        require(c.server().port() >= 0 && c.server().port() <= 65535, "server.port must be 0..65535");
        require(c.server().maxBodyBytes() >= 1024, "server.max_body_bytes must be at least 1024");
        require(
                c.server().keyCacheMs() >= 0 && c.server().keyCacheMs() <= 60_000,
                "server.key_cache_ms must be 0..60000");
        require(
                c.server().priceCacheMs() >= 0 && c.server().priceCacheMs() <= 60_000,
                "server.price_cache_ms must be 0..60000");
        require(c.database().poolSize() >= 1, "database.pool_size must be at least 1");
        require(
                "sync".equals(c.metering().durability())
                        || "async".equals(c.metering().durability()),
                "metering.durability must be sync or async, got '"
                        + c.metering().durability() + "'");
        List<BreakevenConfig.Backend> backends = new ArrayList<>();
        Set<String> ids = new HashSet<>();
        for (int i = 0; i < c.backends().size(); i++) {
            BreakevenConfig.Backend b = backendWithDefaults(c.backends().get(i), "backends[" + i + "]");
            require(ids.add(b.id()), "backends[" + i + "].id '" + b.id() + "' is used twice");
            backends.add(b);
        }
        for (int i = 0; i < backends.size(); i++) {
            String writer = backends.get(i).writer();
            if (writer == null) continue;
            boolean generative =
                    backends.stream().anyMatch(o -> o.id().equals(writer) && !"knowledge".equals(o.type()));
            require(
                    generative,
                    "backends[" + i + "].writer must name an openai or llama backend, got '" + writer + "'");
        }
        Set<String> models = new HashSet<>();
        for (int i = 0; i < c.models().size(); i++) {
            BreakevenConfig.Model m = c.models().get(i);
            String key = "models[" + i + "]";
            require(m.id() != null && !m.id().isBlank(), key + ".id is required");
            require(models.add(m.id()), key + ".id '" + m.id() + "' is used twice");
            List<BreakevenConfig.Route> routes = m.backends() == null ? List.of() : m.backends();
            for (int j = 0; j < routes.size(); j++) {
                BreakevenConfig.Route r = routes.get(j);
                String rk = key + ".backends[" + j + "]";
                require(
                        r.backend() != null && ids.contains(r.backend()),
                        rk + ".backend names no configured backend: '" + r.backend() + "'");
                require(r.model() != null && !r.model().isBlank(), rk + ".model is required");
            }
        }
        List<BreakevenConfig.Model> normalizedModels = c.models().stream()
                .map(m -> new BreakevenConfig.Model(
                        m.id(), m.description(), m.backends() == null ? List.of() : m.backends()))
                .toList();
        List<BreakevenConfig.Price> prices = c.prices() == null ? List.of() : c.prices();
        validatePrices(prices, models);
        BreakevenConfig.Scheduler scheduler = SchedulerSettings.validate(c.scheduler(), models);
        List<BreakevenConfig.PlanEntry> plans = c.plans() == null ? List.of() : c.plans();
        PlanSettings.validate(plans, c.defaultPlan(), models, SchedulerSettings.policy(scheduler));
        return new BreakevenConfig(
                c.server(),
                c.dataDir(),
                c.database(),
                c.metering(),
                backends,
                normalizedModels,
                prices,
                billing(c.billing()),
                plans,
                c.defaultPlan(),
                scheduler,
                ClusterSettings.validate(c.cluster()));
    }

    private static BreakevenConfig.Billing billing(BreakevenConfig.Billing b) {
        require(b != null, "billing is required");
        String mode = b.mode() == null ? "" : b.mode().trim().toLowerCase(java.util.Locale.ROOT);
        require(
                mode.equals("prepaid") || mode.equals("postpaid"),
                "billing.mode must be prepaid or postpaid, got '" + b.mode() + "'");
        require(b.reserveOutputTokens() >= 1, "billing.reserve_output_tokens must be at least 1");
        require(b.reservationTimeoutMs() >= 1_000, "billing.reservation_timeout_ms must be at least 1000");
        require(b.raterIntervalMs() >= 0, "billing.rater_interval_ms must be 0 (off) or more");
        require(b.stripe() != null, "billing.stripe is required");
        require(b.stripe().toleranceSeconds() >= 1, "billing.stripe.tolerance_seconds must be at least 1");
        require(b.subscriptions() != null, "billing.subscriptions is required");
        require(
                b.subscriptions().renewalIntervalMs() >= 0,
                "billing.subscriptions.renewal_interval_ms must be 0 (off) or more");
        require(
                b.subscriptions().graceHours() >= 0 && b.subscriptions().graceHours() <= 24 * 366,
                "billing.subscriptions.grace_hours must be 0..8784");
        return new BreakevenConfig.Billing(
                mode,
                b.reserveOutputTokens(),
                b.reservationTimeoutMs(),
                b.raterIntervalMs(),
                b.stripe(),
                b.subscriptions());
    }

    /**
     * Each entry prices a configured model's tokens or a plan's month, in whole micros ≥ 0, and no
     * model or plan is priced twice.
     */
    private static void validatePrices(List<BreakevenConfig.Price> prices, Set<String> models) {
        Set<String> modelsPriced = new HashSet<>();
        Set<String> plansPriced = new HashSet<>();
        for (int i = 0; i < prices.size(); i++) {
            BreakevenConfig.Price p = prices.get(i);
            String key = "prices[" + i + "]";
            require(p != null, key + " must be {model: ID, ...} or {plan: ID, monthly_micros: N}");
            require(
                    (p.model() == null) != (p.plan() == null),
                    key + " must have either model (token prices) or plan (a monthly fee), not "
                            + (p.model() == null ? "neither" : "both"));
            if (p.model() != null) {
                require(models.contains(p.model()), key + ".model names no configured model: '" + p.model() + "'");
                require(p.monthlyMicros() == null, key + ".monthly_micros is a key of plan prices, not model prices");
                require(
                        p.inputPerMillionMicros() != null || p.outputPerMillionMicros() != null,
                        key + " needs input_per_million_micros and/or output_per_million_micros");
                notNegative(p.inputPerMillionMicros(), key + ".input_per_million_micros");
                notNegative(p.outputPerMillionMicros(), key + ".output_per_million_micros");
                require(modelsPriced.add(p.model()), key + " prices model '" + p.model() + "' a second time");
            } else {
                require(
                        !p.plan().isBlank()
                                && p.plan().equals(p.plan().strip())
                                && p.plan().length() <= 200,
                        key + ".plan must be a plan id of 1 to 200 characters without surrounding blanks");
                require(
                        p.inputPerMillionMicros() == null && p.outputPerMillionMicros() == null,
                        key + ": input_per_million_micros and output_per_million_micros are keys of model prices,"
                                + " not plan prices");
                require(p.monthlyMicros() != null, key + ".monthly_micros is required for a plan");
                notNegative(p.monthlyMicros(), key + ".monthly_micros");
                require(plansPriced.add(p.plan()), key + " prices plan '" + p.plan() + "' a second time");
            }
        }
    }

    private static void notNegative(Long micros, String key) {
        require(micros == null || micros >= 0, key + " must be whole micros, 0 or more, got " + micros);
    }

    private static BreakevenConfig.Backend backendWithDefaults(BreakevenConfig.Backend b, String key) {
        require(
                b.id() != null && b.id().matches("[A-Za-z0-9._-]{1,64}"),
                key + ".id is required (letters, digits, . _ -)");
        return switch (b.type() == null ? "" : b.type()) {
            case "openai" -> openai(b, key);
            case "llama" -> llama(b, key);
            case "knowledge" -> knowledge(b, key);
            default ->
                throw new ConfigException(key + ".type must be openai, llama or knowledge, got '" + b.type() + "'");
        };
    }

    private static BreakevenConfig.Backend openai(BreakevenConfig.Backend b, String key) {
        require(
                b.path() == null && b.threads() == null && b.context() == null,
                key + ": path, threads and context are keys of type llama, not openai");
        require(b.baseUrl() != null, key + ".base_url is required for type openai");
        try {
            URI uri = URI.create(b.baseUrl());
            require(
                    "http".equals(uri.getScheme()) || "https".equals(uri.getScheme()),
                    key + ".base_url must be http(s)");
            require(uri.getHost() != null, key + ".base_url has no host");
        } catch (IllegalArgumentException e) {
            throw new ConfigException(key + ".base_url is not a URL: " + b.baseUrl());
        }
        int capacity = b.capacity() == null ? DEFAULT_CAPACITY : b.capacity();
        require(capacity >= 1, key + ".capacity must be at least 1");
        long connect = positive(b.connectTimeoutMs(), DEFAULT_CONNECT_TIMEOUT_MS, key + ".connect_timeout_ms");
        long firstByte =
                positive(b.firstByteTimeoutMs(), DEFAULT_FIRST_BYTE_TIMEOUT_MS, key + ".first_byte_timeout_ms");
        long idle = positive(b.idleTimeoutMs(), DEFAULT_IDLE_TIMEOUT_MS, key + ".idle_timeout_ms");
        long interval =
                b.healthCheckIntervalMs() == null ? DEFAULT_HEALTH_CHECK_INTERVAL_MS : b.healthCheckIntervalMs();
        require(interval >= 0, key + ".health_check_interval_ms must be 0 (off) or positive");
        long probeTimeout =
                positive(b.healthCheckTimeoutMs(), DEFAULT_HEALTH_CHECK_TIMEOUT_MS, key + ".health_check_timeout_ms");
        int threshold = b.failureThreshold() == null ? DEFAULT_FAILURE_THRESHOLD : b.failureThreshold();
        require(threshold >= 0, key + ".failure_threshold must be 0 (off) or positive");
        long coolDown = positive(b.coolDownMs(), DEFAULT_COOL_DOWN_MS, key + ".cool_down_ms");
        return new BreakevenConfig.Backend(
                b.id(),
                b.type(),
                b.baseUrl(),
                b.apiKeyEnv(),
                b.apiKeyFile(),
                capacity,
                connect,
                firstByte,
                idle,
                interval,
                probeTimeout,
                threshold,
                coolDown,
                null,
                null,
                null,
                null,
                null,
                null,
                null,
                null);
    }

    /** A GGUF file served in this process; whether the file is usable is checked when it is loaded. */
    private static BreakevenConfig.Backend llama(BreakevenConfig.Backend b, String key) {
        require(b.path() != null && !b.path().isBlank(), key + ".path is required for type llama (a .gguf file)");
        require(b.baseUrl() == null, key + ".base_url is a key of type openai, not llama");
        require(
                b.apiKeyEnv() == null && b.apiKeyFile() == null,
                key + ": api_key_env and api_key_file are keys of type openai, not llama");
        require(
                b.connectTimeoutMs() == null && b.firstByteTimeoutMs() == null && b.idleTimeoutMs() == null,
                key + ": the timeouts are keys of type openai, not llama");
        int threads = b.threads() == null ? Runtime.getRuntime().availableProcessors() : b.threads();
        require(threads >= 1, key + ".threads must be at least 1");
        int context = b.context() == null ? DEFAULT_LLAMA_CONTEXT : b.context();
        require(context >= MIN_LLAMA_CONTEXT, key + ".context must be at least " + MIN_LLAMA_CONTEXT + " tokens");
        int capacity = b.capacity() == null ? DEFAULT_LLAMA_CAPACITY : b.capacity();
        require(capacity >= 1, key + ".capacity must be at least 1");
        require(
                (long) context * capacity <= MAX_LLAMA_TOKENS,
                key + ": context x capacity must be at most " + MAX_LLAMA_TOKENS + " tokens");
        return new BreakevenConfig.Backend(
                b.id(), b.type(), null, null, null, capacity, null, null, null, null, null, null, null, b.path(),
                threads, context, null, null, null, null, null);
    }

    /** Answers from a knowledge base; {@code writer} must name a generative backend (checked with all backends). */
    private static BreakevenConfig.Backend knowledge(BreakevenConfig.Backend b, String key) {
        require(
                b.knowledgeBase() != null && b.knowledgeBase().matches("[a-z0-9][a-z0-9_-]{0,63}"),
                key + ".knowledge_base is required for type knowledge (lower-case letters, digits, _ -)");
        require(b.baseUrl() == null && b.path() == null, key + ": base_url and path are not keys of type knowledge");
        int capacity = b.capacity() == null ? DEFAULT_KNOWLEDGE_CAPACITY : b.capacity();
        require(capacity >= 1, key + ".capacity must be at least 1");
        int passages = b.passages() == null ? DEFAULT_KNOWLEDGE_PASSAGES : b.passages();
        require(passages >= 1 && passages <= 20, key + ".passages must be 1..20");
        double min = b.minSimilarity() == null ? DEFAULT_MIN_SIMILARITY : b.minSimilarity();
        require(min >= -1 && min <= 1, key + ".min_similarity must be from -1 to 1");
        return new BreakevenConfig.Backend(
                b.id(),
                b.type(),
                null,
                null,
                null,
                capacity,
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
                b.knowledgeBase(),
                b.writer(),
                b.writerModel(),
                passages,
                min);
    }

    private static long positive(Long value, long fallback, String key) {
        if (value == null) return fallback;
        require(value > 0, key + " must be positive");
        return value;
    }

    private static void require(boolean ok, String message) {
        if (!ok) throw new ConfigException(message);
    }
}
