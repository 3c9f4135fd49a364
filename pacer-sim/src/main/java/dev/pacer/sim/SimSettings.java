package dev.pacer.sim;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Everything the simulator can be told. Immutable and validated as a whole when built: a mistake is
 * one sentence naming the setting (by its {@code sim.yaml} name) and what is allowed. Build with
 * {@link #builder()}, or read {@code sim.yaml} with {@link SimConfigFile}.
 *
 * @param tier            the preset the limits started from
 * @param classes         limits per model class
 * @param models          model ids and their classes
 * @param countTokensRpm  requests per minute of count_tokens
 * @param batchRpm        requests per minute over all Message Batches endpoints
 * @param burstRatio      bucket capacity as a share of the per-minute limit, in (0, 1] (below 1: sub-minute enforcement)
 * @param otpmMode        how output tokens count
 * @param otpmOverrun     what a generation that empties the output bucket does (actual mode)
 * @param timeScale       simulated seconds per wall-clock second, in (0, 10000]
 * @param clockStart      the simulated instant at start (null: now)
 * @param seed            makes generated text, lengths, tokenizer and faults repeatable
 * @param faults          injected failures
 * @param latency         time to first token and generation speed
 * @param output          the output length distribution
 * @param spendCap        the spend-cap 429
 * @param acceleration    the acceleration limiter
 * @param apiKeys         accepted keys (empty: any non-empty key)
 * @param retryAfterMs    also send {@code retry-after-ms}, in wall-clock milliseconds (not sent by the real API; the SDKs read it first)
 * @param shouldRetryHeader send {@code x-should-retry: true} on rate-limit 429s (seen on a real 429 in 2024; whether the API
 *                        still sends it is not documented, and the SDKs obey it before anything else)
 * @param batches         Message Batches processing
 * @param windowSeconds   the window of the "largest amount admitted in a window" statistic (simulated seconds)
 * @param limitScope      whether buckets are per API key or shared by every key (one organisation)
 * @param debug           print the stack trace of an internal error (a simulator bug) on stderr, not only its one line
 * @param streamErrorRequestId put {@code request_id} in the data of a mid-stream {@code event: error}, as in an error body
 *                        (the API reference does not say whether the API does; off by default, as the documented example)
 * @param rateLimitHeadersOnSuccess send the {@code anthropic-ratelimit-*} headers on 200 responses (the API's documented
 *                        behaviour; off, they go on 429s only, as one account saw in 2024, for clients that must cope without them)
 */
public record SimSettings(Tier tier, Map<String, ModelClass> classes, ModelTable models, long countTokensRpm, long batchRpm,
                          double burstRatio, OtpmMode otpmMode, OtpmOverrun otpmOverrun, double timeScale, Instant clockStart,
                          long seed, FaultProfile faults, Latency latency, OutputLength output, SpendCap spendCap,
                          Acceleration acceleration, Set<String> apiKeys, boolean retryAfterMs, boolean shouldRetryHeader,
                          Batches batches, double windowSeconds, LimitScope limitScope, boolean debug,
                          boolean streamErrorRequestId, boolean rateLimitHeadersOnSuccess) {

    public SimSettings {
        Objects.requireNonNull(tier, "tier");
        Objects.requireNonNull(models, "models");
        Objects.requireNonNull(otpmMode, "otpm-mode");
        Objects.requireNonNull(otpmOverrun, "otpm-overrun");
        Objects.requireNonNull(faults, "faults");
        Objects.requireNonNull(limitScope, "limit-scope");
        classes = Map.copyOf(classes);
        apiKeys = Set.copyOf(apiKeys);
        if (!(burstRatio > 0 && burstRatio <= 1)) {
            throw new IllegalArgumentException("burst-ratio must be more than 0 and at most 1, not " + burstRatio + ".");
        }
        if (!(timeScale > 0 && timeScale <= 10_000)) {
            throw new IllegalArgumentException("time-scale must be more than 0 and at most 10000, not " + timeScale + ".");
        }
        if (countTokensRpm < 1 || batchRpm < 1) {
            throw new IllegalArgumentException("count-tokens-rpm and batch-rpm must be at least 1, not " + countTokensRpm + " and "
                    + batchRpm + ".");
        }
        if (!(windowSeconds > 0)) {
            throw new IllegalArgumentException("window-seconds must be more than 0, not " + windowSeconds + ".");
        }
        for (String c : models.classes()) {
            if (!classes.containsKey(c)) {
                throw new IllegalArgumentException("Model class '" + c + "' is used by the model table but has no limits; add it under classes.");
            }
        }
    }

    /**
     * The latency model, in simulated time: the first token after {@code ttftSeconds}, then
     * {@code tokensPerSecond}; both vary by up to ± {@code jitter} (a share).
     */
    public record Latency(double ttftSeconds, double tokensPerSecond, double jitter) {
        public Latency {
            if (!(ttftSeconds >= 0)) {
                throw new IllegalArgumentException("latency.ttft must be 0 or more, not " + ttftSeconds + ".");
            }
            if (!(tokensPerSecond > 0)) {
                throw new IllegalArgumentException("latency.tokens-per-second must be more than 0, not " + tokensPerSecond + ".");
            }
            if (!(jitter >= 0 && jitter < 1)) {
                throw new IllegalArgumentException("latency.jitter must be at least 0 and below 1, not " + jitter + ".");
            }
        }
    }

    /** Output lengths: log-normal with this median and sigma, bounded by {@code max_tokens}. */
    public record OutputLength(int median, double sigma) {
        public OutputLength {
            if (median < 1) {
                throw new IllegalArgumentException("output.median must be at least 1, not " + median + ".");
            }
            if (!(sigma >= 0 && sigma <= 5)) {
                throw new IllegalArgumentException("output.sigma must be between 0 and 5, not " + sigma + ".");
            }
        }
    }

    /**
     * The spend cap: once {@code afterRequests} Messages requests have been answered in the current
     * (simulated) month, every request gets 429 {@code enforced_spend_limit_reached} without
     * {@code retry-after} until the 1st of the next month.
     */
    public record SpendCap(boolean enabled, long afterRequests) {
        public static final SpendCap OFF = new SpendCap(false, 0);

        public SpendCap {
            if (afterRequests < 0) {
                throw new IllegalArgumentException("spend-cap.after-requests must be 0 or more, not " + afterRequests + ".");
            }
        }
    }

    /**
     * The acceleration limiter: a request rate over the last {@code windowSeconds} above
     * {@code factor} times the rate over the {@code baselineSeconds} before it (never taken below
     * {@code floor} × the RPM limit) is a sharp ramp, answered 429 (529 with {@code legacy529}, as
     * before 2025-08-11).
     */
    public record Acceleration(boolean enabled, double factor, double windowSeconds, double baselineSeconds, double floor,
                               boolean legacy529) {
        public static final Acceleration OFF = new Acceleration(false, 4, 10, 60, 0.25, false);

        public Acceleration {
            if (!(factor > 1)) {
                throw new IllegalArgumentException("acceleration.factor must be more than 1, not " + factor + ".");
            }
            if (!(windowSeconds >= 1 && baselineSeconds >= windowSeconds && baselineSeconds <= 3_600)) {
                throw new IllegalArgumentException("acceleration.window must be at least 1 and acceleration.baseline between it and 3600, not "
                        + windowSeconds + " and " + baselineSeconds + ".");
            }
            if (!(floor > 0 && floor <= 1)) {
                throw new IllegalArgumentException("acceleration.floor must be more than 0 and at most 1, not " + floor + ".");
            }
        }
    }

    /**
     * Message Batches: a batch's requests finish spread over about {@code processingSeconds}; a batch
     * still running at {@code expirySeconds} ends and its unfinished requests expire; results can
     * be downloaded for {@code retentionSeconds} after creation. All simulated.
     */
    public record Batches(double processingSeconds, double expirySeconds, double retentionSeconds, long queueLimit) {
        public Batches {
            if (!(processingSeconds > 0)) {
                throw new IllegalArgumentException("batches.processing-seconds must be more than 0, not " + processingSeconds + ".");
            }
            if (!(expirySeconds > 0) || !(retentionSeconds >= expirySeconds)) {
                throw new IllegalArgumentException("batches.expiry-seconds must be more than 0 and retention-seconds at least as long, not "
                        + expirySeconds + " and " + retentionSeconds + ".");
            }
            if (queueLimit < 1) {
                throw new IllegalArgumentException("batches.queue-limit must be at least 1, not " + queueLimit + ".");
            }
        }
    }

    /** Tier 1, time scale 1, seed 42, no faults. */
    public static Builder builder() {
        return new Builder();
    }

    /** A builder starting from these settings. */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.tier = tier;
        b.classes = new LinkedHashMap<>(classes);
        b.models = models;
        b.countTokensRpm = countTokensRpm;
        b.batchRpm = batchRpm;
        b.burstRatio = burstRatio;
        b.otpmMode = otpmMode;
        b.otpmOverrun = otpmOverrun;
        b.timeScale = timeScale;
        b.clockStart = clockStart;
        b.seed = seed;
        b.faults = faults;
        b.latency = latency;
        b.output = output;
        b.spendCap = spendCap;
        b.acceleration = acceleration;
        b.apiKeys = apiKeys;
        b.retryAfterMs = retryAfterMs;
        b.shouldRetryHeader = shouldRetryHeader;
        b.batches = batches;
        b.windowSeconds = windowSeconds;
        b.limitScope = limitScope;
        b.debug = debug;
        b.streamErrorRequestId = streamErrorRequestId;
        b.rateLimitHeadersOnSuccess = rateLimitHeadersOnSuccess;
        return b;
    }

    /** Builds {@link SimSettings}; {@link #build()} validates everything at once. */
    public static final class Builder {
        private Tier tier = Tier.TIER_1;
        private Map<String, ModelClass> classes = new LinkedHashMap<>(Tier.TIER_1.classes());
        private ModelTable models = ModelTable.defaults();
        private long countTokensRpm = Tier.TIER_1.countTokensRpm();
        private long batchRpm = Tier.TIER_1.batchRpm();
        private double burstRatio = 1.0;
        private OtpmMode otpmMode = OtpmMode.ACTUAL;
        private OtpmOverrun otpmOverrun = OtpmOverrun.DEBT;
        private double timeScale = 1;
        private Instant clockStart;
        private long seed = 42;
        private FaultProfile faults = FaultProfile.NONE;
        private Latency latency = new Latency(0.6, 80, 0.2);
        private OutputLength output = new OutputLength(250, 0.9);
        private SpendCap spendCap = SpendCap.OFF;
        private Acceleration acceleration = Acceleration.OFF;
        private Set<String> apiKeys = Set.of();
        private boolean retryAfterMs;
        private boolean shouldRetryHeader = true;
        private Batches batches = new Batches(600, 86_400, 29 * 86_400, Tier.TIER_1.batchQueueLimit());
        private double windowSeconds = 60;
        private LimitScope limitScope = LimitScope.KEY;
        private boolean debug;
        private boolean streamErrorRequestId;
        private boolean rateLimitHeadersOnSuccess = true;

        private Builder() {
        }

        /**
         * Limits from a preset: every class's limits, count_tokens and batch RPM, the batch queue.
         * Classes the preset does not know keep theirs.
         */
        public Builder tier(Tier t) {
            this.tier = t;
            Map<String, ModelClass> next = new LinkedHashMap<>();
            // A maximum output is the model's, not the tier's: a class keeps the one it has (a sim.yaml's included).
            t.classes().forEach((name, preset) -> {
                ModelClass had = classes.get(name);
                next.put(name, had == null ? preset : preset.withMaxOutputTokens(had.maxOutputTokens()));
            });
            // A class the preset has no row for (one a sim.yaml added) keeps its limits: a --tier given
            // on top of such a file must not leave its models drawing on a class without limits.
            classes.forEach(next::putIfAbsent);
            this.classes = next;
            this.countTokensRpm = t.countTokensRpm();
            this.batchRpm = t.batchRpm();
            this.batches = new Batches(batches.processingSeconds(), batches.expirySeconds(), batches.retentionSeconds(),
                    t.batchQueueLimit());
            return this;
        }

        /** The same RPM, ITPM and OTPM for every model class. */
        public Builder limits(long rpm, long itpm, long otpm) {
            classes.replaceAll((name, c) -> c.withLimits(rpm, itpm, otpm));
            return this;
        }

        /** The limits of one class (added when new). */
        public Builder modelClass(ModelClass c) {
            classes.put(c.name(), c);
            return this;
        }

        /** The model table. */
        public Builder models(ModelTable table) {
            this.models = table;
            return this;
        }

        /** count_tokens requests per minute. */
        public Builder countTokensRpm(long rpm) {
            this.countTokensRpm = rpm;
            return this;
        }

        /** Requests per minute over all batch endpoints. */
        public Builder batchRpm(long rpm) {
            this.batchRpm = rpm;
            return this;
        }

        /** Bucket capacity as a share of the per-minute limit. */
        public Builder burstRatio(double ratio) {
            this.burstRatio = ratio;
            return this;
        }

        /** How output tokens count. */
        public Builder otpmMode(OtpmMode mode) {
            this.otpmMode = mode;
            return this;
        }

        /** What a generation that empties the output bucket does. */
        public Builder otpmOverrun(OtpmOverrun overrun) {
            this.otpmOverrun = overrun;
            return this;
        }

        /** Simulated seconds per wall-clock second. */
        public Builder timeScale(double scale) {
            this.timeScale = scale;
            return this;
        }

        /** The simulated instant at start (default: the wall-clock instant). */
        public Builder clockStart(Instant start) {
            this.clockStart = start;
            return this;
        }

        /** The seed. */
        public Builder seed(long s) {
            this.seed = s;
            return this;
        }

        /** Injected failures. */
        public Builder faults(FaultProfile f) {
            this.faults = f;
            return this;
        }

        /** The latency model (simulated seconds, tokens per simulated second, relative jitter). */
        public Builder latency(double ttftSeconds, double tokensPerSecond, double jitter) {
            this.latency = new Latency(ttftSeconds, tokensPerSecond, jitter);
            return this;
        }

        /** The output length distribution (log-normal, bounded by max_tokens). */
        public Builder outputLength(int median, double sigma) {
            this.output = new OutputLength(median, sigma);
            return this;
        }

        /** Every Messages request hits the spend cap (true), or none (false). */
        public Builder spendCap(boolean on) {
            this.spendCap = new SpendCap(on, 0);
            return this;
        }

        /** The spend cap. */
        public Builder spendCap(SpendCap cap) {
            this.spendCap = cap;
            return this;
        }

        /** The acceleration limiter with its default windows. */
        public Builder acceleration(boolean on, double factor, boolean legacy529) {
            this.acceleration = new Acceleration(on, factor, acceleration.windowSeconds(), acceleration.baselineSeconds(),
                    acceleration.floor(), legacy529);
            return this;
        }

        /** The acceleration limiter. */
        public Builder acceleration(Acceleration a) {
            this.acceleration = a;
            return this;
        }

        /** Accepted API keys (empty: any). */
        public Builder apiKeys(Set<String> keys) {
            this.apiKeys = keys;
            return this;
        }

        /** Also send {@code retry-after-ms} (wall-clock milliseconds). */
        public Builder retryAfterMs(boolean on) {
            this.retryAfterMs = on;
            return this;
        }

        /** Send {@code x-should-retry: true} on rate-limit 429s (default), or no such header. */
        public Builder shouldRetryHeader(boolean on) {
            this.shouldRetryHeader = on;
            return this;
        }

        /** Batch processing time (simulated seconds) and queue limit; expiry and retention unchanged. */
        public Builder batches(double processingSeconds, long queueLimit) {
            this.batches = new Batches(processingSeconds, batches.expirySeconds(), batches.retentionSeconds(), queueLimit);
            return this;
        }

        /** Message Batches processing. */
        public Builder batches(Batches b) {
            this.batches = b;
            return this;
        }

        /** Buckets per API key (default) or shared by every key, as in one organisation. */
        public Builder limitScope(LimitScope scope) {
            this.limitScope = scope;
            return this;
        }

        /** Print the stack trace of an internal error on stderr (default: its one line only). */
        public Builder debug(boolean on) {
            this.debug = on;
            return this;
        }

        /** Put {@code request_id} in a mid-stream {@code event: error}'s data (default: not, as the documented example). */
        public Builder streamErrorRequestId(boolean on) {
            this.streamErrorRequestId = on;
            return this;
        }

        /** Send the {@code anthropic-ratelimit-*} headers on 200 responses (default), or on 429s only. */
        public Builder rateLimitHeadersOnSuccess(boolean on) {
            this.rateLimitHeadersOnSuccess = on;
            return this;
        }

        /** The statistics window (simulated seconds). */
        public Builder windowSeconds(double seconds) {
            this.windowSeconds = seconds;
            return this;
        }

        Latency latency() {
            return latency;
        }

        OutputLength output() {
            return output;
        }

        Acceleration acceleration() {
            return acceleration;
        }

        Batches batches() {
            return batches;
        }

        ModelTable models() {
            return models;
        }

        Map<String, ModelClass> classes() {
            return classes;
        }

        /** The settings, validated. */
        public SimSettings build() {
            return new SimSettings(tier, classes, models, countTokensRpm, batchRpm, burstRatio, otpmMode, otpmOverrun, timeScale,
                    clockStart, seed, faults, latency, output, spendCap, acceleration, apiKeys, retryAfterMs, shouldRetryHeader, batches,
                    windowSeconds, limitScope, debug, streamErrorRequestId, rateLimitHeadersOnSuccess);
        }
    }
}
