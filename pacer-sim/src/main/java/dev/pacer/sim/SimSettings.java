package dev.pacer.sim;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Everything the simulator can be told, in small named groups, each validated when it is made: a
 * mistake is one sentence naming the setting (by its {@code sim.yaml} name) and what is allowed.
 * The {@link SimSettingsBuilder} makes each group as its setter is called, so a bad value fails at that call.
 * Build with {@link #builder()}, or read {@code sim.yaml} with {@link SimConfigFile}.
 *
 * @param limits       the limits per model class, the model table and the request-only limits
 * @param enforcement  how the buckets enforce them: burst, output counting, whose buckets they are
 * @param spendCap     the spend-cap 429
 * @param acceleration the acceleration limiter
 * @param time         the simulated clock
 * @param seed         makes generated text, lengths, tokenizer and faults repeatable
 * @param latency      time to first token and generation speed
 * @param output       the output length distribution
 * @param faults       injected failures
 * @param batches      Message Batches processing
 * @param protocol     what the answers carry where the API's practice is undocumented or has varied
 * @param apiKeys      accepted keys (empty: any non-empty key); the keys {@code organizations} lists are accepted too
 * @param diagnostics  the statistics window and internal-error reporting
 * @param organizations which organization and workspace each key belongs to (a key listed nowhere: see {@code limit-scope})
 * @param chat         the OpenAI side ({@code POST /v1/chat/completions}): its models, limits, budget and faults
 */
public record SimSettings(Limits limits, Enforcement enforcement, SpendCap spendCap, Acceleration acceleration, Time time,
                          long seed, Latency latency, OutputLength output, FaultProfile faults, Batches batches, Protocol protocol,
                          Set<String> apiKeys, Diagnostics diagnostics, Organizations organizations,
                          ChatSimSettings chat) {

    public SimSettings {
        Objects.requireNonNull(limits, "limits");
        Objects.requireNonNull(enforcement, "enforcement");
        Objects.requireNonNull(spendCap, "spend-cap");
        Objects.requireNonNull(acceleration, "acceleration");
        Objects.requireNonNull(time, "time");
        Objects.requireNonNull(latency, "latency");
        Objects.requireNonNull(output, "output");
        Objects.requireNonNull(faults, "faults");
        Objects.requireNonNull(batches, "batches");
        Objects.requireNonNull(protocol, "protocol");
        Objects.requireNonNull(diagnostics, "diagnostics");
        Objects.requireNonNull(organizations, "organizations");
        Objects.requireNonNull(chat, "openai");
        apiKeys = Set.copyOf(apiKeys);
    }

    /** Simulated seconds per wall-clock second: what a client's clock must run at to stay in step ({@code time().scale()}). */
    public double timeScale() {
        return time.scale();
    }

    /**
     * The limits: per model class (from the preset {@code tier}, then edited), which class each
     * model id draws on, and the request-only limits of count_tokens and of every Message Batches
     * endpoint together. Every class the model table names has limits.
     */
    public record Limits(Tier tier, Map<String, ModelClass> classes, ModelTable models, long countTokensRpm, long batchRpm) {
        public Limits {
            Objects.requireNonNull(tier, "tier");
            Objects.requireNonNull(models, "models");
            classes = Map.copyOf(classes);
            if (countTokensRpm < 1 || batchRpm < 1) {
                throw new IllegalArgumentException("count-tokens-rpm and batch-rpm must be at least 1, not " + countTokensRpm + " and "
                        + batchRpm + ".");
            }
            for (String c : models.classes()) {
                if (!classes.containsKey(c)) {
                    throw new IllegalArgumentException("Model class '" + c + "' is used by the model table but has no limits; add it under classes.");
                }
            }
        }

        static Limits of(Tier t) {
            return new Limits(t, t.classes(), ModelTable.defaults(), t.countTokensRpm(), t.batchRpm());
        }

        /**
         * A preset's limits for its classes. A maximum output is the model's, not the tier's: a class
         * keeps the one it has (a sim.yaml's included). A class the preset has no row for (one a
         * sim.yaml added) keeps its limits: a --tier given on top of such a file must not leave its
         * models drawing on a class without limits.
         */
        Limits withTier(Tier t) {
            Map<String, ModelClass> next = new LinkedHashMap<>();
            t.classes().forEach((name, preset) -> {
                ModelClass had = classes.get(name);
                next.put(name, had == null ? preset : preset.withMaxOutputTokens(had.maxOutputTokens()));
            });
            classes.forEach(next::putIfAbsent);
            return new Limits(t, next, models, t.countTokensRpm(), t.batchRpm());
        }

        Limits withClasses(Map<String, ModelClass> next) {
            return new Limits(tier, next, models, countTokensRpm, batchRpm);
        }
    }

    /**
     * How the buckets enforce the limits.
     *
     * @param burstRatio  bucket capacity as a share of the per-minute limit, in (0, 1] (below 1: sub-minute enforcement)
     * @param otpmMode    how output tokens count
     * @param otpmOverrun what a generation that empties the output bucket does (actual mode)
     * @param scope       where a key that no organization lists belongs: an organization of its own, or one shared by every such key
     */
    public record Enforcement(double burstRatio, OtpmMode otpmMode, OtpmOverrun otpmOverrun, LimitScope scope) {
        static final Enforcement DEFAULT = new Enforcement(1.0, OtpmMode.ACTUAL, OtpmOverrun.DEBT, LimitScope.KEY);

        public Enforcement {
            Objects.requireNonNull(otpmMode, "otpm-mode");
            Objects.requireNonNull(otpmOverrun, "otpm-overrun");
            Objects.requireNonNull(scope, "limit-scope");
            if (!(burstRatio > 0 && burstRatio <= 1)) {
                throw new IllegalArgumentException("burst-ratio must be more than 0 and at most 1, not " + burstRatio + ".");
            }
        }
    }

    /** The simulated clock: {@code scale} simulated seconds per wall-clock second, in (0, 10000], from {@code start} (null: now). */
    public record Time(double scale, Instant start) {
        static final Time REAL = new Time(1, null);

        public Time {
            if (!(scale > 0 && scale <= 10_000)) {
                throw new IllegalArgumentException("time-scale must be more than 0 and at most 10000, not " + scale + ".");
            }
        }
    }

    /**
     * The latency model, in simulated time: the first token after {@code ttftSeconds}, then
     * {@code tokensPerSecond}; both vary by up to ± {@code jitter} (a share).
     */
    public record Latency(double ttftSeconds, double tokensPerSecond, double jitter) {
        static final Latency DEFAULT = new Latency(0.6, 80, 0.2);

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
        static final OutputLength DEFAULT = new OutputLength(250, 0.9);

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

        Batches withQueueLimit(long limit) {
            return new Batches(processingSeconds, expirySeconds, retentionSeconds, limit);
        }
    }

    /**
     * What the answers carry where the API's practice is undocumented or has varied.
     *
     * @param retryAfterMs              also send {@code retry-after-ms}, in wall-clock milliseconds (not sent by the real API; the
     *                                  SDKs read it first)
     * @param shouldRetryHeader         send {@code x-should-retry: true} on rate-limit 429s (seen on a real 429 in 2024; whether the
     *                                  API still sends it is not documented, and the SDKs obey it before anything else)
     * @param rateLimitHeadersOnSuccess send the {@code anthropic-ratelimit-*} headers on 200 responses (the API's documented
     *                                  behaviour; off, they go on 429s only, as one account saw in 2024, for clients that must cope
     *                                  without them)
     * @param streamErrorRequestId      put {@code request_id} in the data of a mid-stream {@code event: error}, as in an error body
     *                                  (the API reference does not say whether the API does; off by default, as the documented example)
     * @param identityHeadersOnErrors   send {@code anthropic-organization-id} and {@code anthropic-workspace-id} on error answers of a
     *                                  known key too, not only on 2xx (the reference says they name the key's organization and
     *                                  workspace but not whether errors carry them; on by default, off to test a client without them)
     */
    public record Protocol(boolean retryAfterMs, boolean shouldRetryHeader, boolean rateLimitHeadersOnSuccess,
                           boolean streamErrorRequestId, boolean identityHeadersOnErrors) {
        static final Protocol DEFAULT = new Protocol(false, true, true, false, true);
    }

    /**
     * @param windowSeconds the window of the "largest amount admitted in a window" statistic (simulated seconds), more than 0
     * @param debug         print the stack trace of an internal error (a simulator bug) on stderr, not only its one line
     */
    public record Diagnostics(double windowSeconds, boolean debug) {
        static final Diagnostics DEFAULT = new Diagnostics(60, false);

        public Diagnostics {
            if (!(windowSeconds > 0)) {
                throw new IllegalArgumentException("window-seconds must be more than 0, not " + windowSeconds + ".");
            }
        }
    }

    /** Tier 1, time scale 1, seed 42, no faults. */
    public static SimSettingsBuilder builder() {
        return new SimSettingsBuilder();
    }

    /** A builder starting from these settings. */
    public SimSettingsBuilder toBuilder() {
        return new SimSettingsBuilder(this);
    }
}
