package dev.pacer.sim;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Everything the simulator can be told. Immutable; build with {@link #builder()} (or from
 * {@code sim.yaml} with {@link SimConfigFile}).
 *
 * @param tier                  the preset the limits came from
 * @param classes               limits per model class
 * @param models                model ids and their classes
 * @param burstRatio            bucket capacity as a share of the per-minute limit (sub-minute enforcement), (0, 1]
 * @param otpmMode              how output tokens count
 * @param timeScale             simulated seconds per real second
 * @param seed                  makes generated text, lengths and faults repeatable
 * @param faults                injected failures
 * @param ttftSeconds           simulated time to first token
 * @param tokensPerSecond       simulated generation speed
 * @param latencyJitter         relative jitter of both, in [0, 1)
 * @param medianOutputTokens    median of the log-normal output length (capped by max_tokens)
 * @param outputSigma           its sigma
 * @param spendCap              every request gets the spend-cap 429
 * @param acceleration          reject sharp ramps (429; 529 when {@code accelerationLegacy529})
 * @param accelerationFactor    a 10-second rate above this multiple of the trailing minute's rate is a ramp
 * @param accelerationLegacy529 answer ramps with 529 (the API before 2025-08-11)
 * @param apiKeys               accepted keys (empty: any non-empty key)
 * @param retryAfterMs          also send {@code retry-after-ms} (not sent by the real API; the SDKs parse it)
 * @param batchSeconds          simulated processing time of a batch
 * @param batchQueueLimit       batch requests that may wait in the queue per key
 * @param windowSeconds         the window of the "maximum admitted over any window" statistic
 */
public record SimSettings(Tier tier, Map<String, ModelClass> classes, ModelTable models, double burstRatio,
                          SimLimits.OtpmMode otpmMode, double timeScale, long seed, FaultProfile faults,
                          double ttftSeconds, double tokensPerSecond, double latencyJitter,
                          int medianOutputTokens, double outputSigma, boolean spendCap,
                          boolean acceleration, double accelerationFactor, boolean accelerationLegacy529,
                          Set<String> apiKeys, boolean retryAfterMs, double batchSeconds, long batchQueueLimit,
                          double windowSeconds) {

    public SimSettings {
        classes = Map.copyOf(classes);
        apiKeys = Set.copyOf(apiKeys);
        Objects.requireNonNull(models, "models");
        if (!(burstRatio > 0 && burstRatio <= 1)) {
            throw new IllegalArgumentException("burst-ratio must be in (0, 1], not " + burstRatio + ".");
        }
        if (!(timeScale > 0 && timeScale <= 10_000)) {
            throw new IllegalArgumentException("time-scale must be in (0, 10000], not " + timeScale + ".");
        }
        if (!(tokensPerSecond > 0)) {
            throw new IllegalArgumentException("tokens-per-second must be positive, not " + tokensPerSecond + ".");
        }
        if (!(latencyJitter >= 0 && latencyJitter < 1)) {
            throw new IllegalArgumentException("latency jitter must be in [0, 1), not " + latencyJitter + ".");
        }
        for (String c : models.classes()) {
            if (!classes.containsKey(c)) {
                throw new IllegalArgumentException("Model class '" + c + "' is used by the model table but has no limits; add it under classes.");
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
        b.burstRatio = burstRatio;
        b.otpmMode = otpmMode;
        b.timeScale = timeScale;
        b.seed = seed;
        b.faults = faults;
        b.ttftSeconds = ttftSeconds;
        b.tokensPerSecond = tokensPerSecond;
        b.latencyJitter = latencyJitter;
        b.medianOutputTokens = medianOutputTokens;
        b.outputSigma = outputSigma;
        b.spendCap = spendCap;
        b.acceleration = acceleration;
        b.accelerationFactor = accelerationFactor;
        b.accelerationLegacy529 = accelerationLegacy529;
        b.apiKeys = apiKeys;
        b.retryAfterMs = retryAfterMs;
        b.batchSeconds = batchSeconds;
        b.batchQueueLimit = batchQueueLimit;
        b.windowSeconds = windowSeconds;
        return b;
    }

    /** Builds {@link SimSettings}. */
    public static final class Builder {
        private Tier tier = Tier.TIER_1;
        private Map<String, ModelClass> classes = new LinkedHashMap<>(Tier.TIER_1.classes());
        private ModelTable models = ModelTable.defaults();
        private double burstRatio = 1.0;
        private SimLimits.OtpmMode otpmMode = SimLimits.OtpmMode.ACTUAL;
        private double timeScale = 1;
        private long seed = 42;
        private FaultProfile faults = FaultProfile.NONE;
        private double ttftSeconds = 0.5;
        private double tokensPerSecond = 80;
        private double latencyJitter = 0.2;
        private int medianOutputTokens = 250;
        private double outputSigma = 0.9;
        private boolean spendCap;
        private boolean acceleration;
        private double accelerationFactor = 8;
        private boolean accelerationLegacy529;
        private Set<String> apiKeys = Set.of();
        private boolean retryAfterMs;
        private double batchSeconds = 600;
        private long batchQueueLimit = 100_000;
        private double windowSeconds = 60;

        private Builder() {
        }

        /** Limits from a preset tier (replaces every class's limits). */
        public Builder tier(Tier tier) {
            this.tier = tier;
            this.classes = new LinkedHashMap<>(tier.classes());
            return this;
        }

        /** The same RPM / ITPM / OTPM for every model class. */
        public Builder limits(long rpm, long itpm, long otpm) {
            classes.replaceAll((name, c) -> c.withLimits(rpm, itpm, otpm));
            return this;
        }

        /** Limits of one class (added when new). */
        public Builder modelClass(ModelClass c) {
            classes.put(c.name(), c);
            return this;
        }

        /** The model table. */
        public Builder models(ModelTable models) {
            this.models = models;
            return this;
        }

        /** Bucket capacity as a share of the per-minute limit. */
        public Builder burstRatio(double ratio) {
            this.burstRatio = ratio;
            return this;
        }

        /** How output tokens count. */
        public Builder otpmMode(SimLimits.OtpmMode mode) {
            this.otpmMode = mode;
            return this;
        }

        /** Simulated seconds per real second. */
        public Builder timeScale(double scale) {
            this.timeScale = scale;
            return this;
        }

        /** The seed. */
        public Builder seed(long seed) {
            this.seed = seed;
            return this;
        }

        /** Injected failures. */
        public Builder faults(FaultProfile faults) {
            this.faults = faults;
            return this;
        }

        /** The latency model (simulated). */
        public Builder latency(double ttftSeconds, double tokensPerSecond, double jitter) {
            this.ttftSeconds = ttftSeconds;
            this.tokensPerSecond = tokensPerSecond;
            this.latencyJitter = jitter;
            return this;
        }

        /** The output length distribution (log-normal, capped by max_tokens). */
        public Builder outputLength(int median, double sigma) {
            this.medianOutputTokens = median;
            this.outputSigma = sigma;
            return this;
        }

        /** Every request hits the spend cap. */
        public Builder spendCap(boolean on) {
            this.spendCap = on;
            return this;
        }

        /** The acceleration limiter. */
        public Builder acceleration(boolean on, double factor, boolean legacy529) {
            this.acceleration = on;
            this.accelerationFactor = factor;
            this.accelerationLegacy529 = legacy529;
            return this;
        }

        /** Accepted API keys (empty: any). */
        public Builder apiKeys(Set<String> keys) {
            this.apiKeys = keys;
            return this;
        }

        /** Also send {@code retry-after-ms}. */
        public Builder retryAfterMs(boolean on) {
            this.retryAfterMs = on;
            return this;
        }

        /** Batch processing (simulated seconds) and queue limit. */
        public Builder batches(double seconds, long queueLimit) {
            this.batchSeconds = seconds;
            this.batchQueueLimit = queueLimit;
            return this;
        }

        /** The statistics window. */
        public Builder windowSeconds(double seconds) {
            this.windowSeconds = seconds;
            return this;
        }

        /** The settings. */
        public SimSettings build() {
            return new SimSettings(tier, classes, models, burstRatio, otpmMode, timeScale, seed, faults, ttftSeconds,
                    tokensPerSecond, latencyJitter, medianOutputTokens, outputSigma, spendCap, acceleration,
                    accelerationFactor, accelerationLegacy529, apiKeys, retryAfterMs, batchSeconds, batchQueueLimit,
                    windowSeconds);
        }
    }
}
