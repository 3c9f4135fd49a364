package dev.pacer.sim;

import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The simulator's rate limits: for each (API key, model class) a pool of three token buckets —
 * requests, input tokens, output tokens — refilled continuously on simulated time, plus one
 * requests bucket per key for count_tokens and one for the Message Batches endpoints.
 *
 * <p>A request is admitted only if every bucket can take it; a rejected request takes nothing.
 * Input counts {@code input_tokens + cache_creation_input_tokens} (plus cache reads for classes
 * that count them). Output counts per {@link OtpmMode}: {@code ACTUAL} charges tokens when they
 * are generated (a request is admitted while the output bucket is not empty, so generation can run
 * it into debt); {@code RESERVE_MAX_TOKENS} reserves {@code max_tokens} at the start and refunds
 * the unused part at the end.
 */
public final class SimLimits {

    /** How output tokens count toward OTPM. */
    public enum OtpmMode {
        /** Counted as generated (the API's behaviour since 2026). */
        ACTUAL,
        /** Reserved from {@code max_tokens} at the start, the unused part refunded at the end (2025). */
        RESERVE_MAX_TOKENS
    }

    static final String REQUESTS = "requests";
    static final String INPUT = "input_tokens";
    static final String OUTPUT = "output_tokens";

    private final SimClock clock;
    private volatile Map<String, ModelClass> classes;
    private volatile double burstRatio;
    private volatile OtpmMode otpmMode;
    private volatile long countTokensRpm;
    private volatile long batchRpm;
    private final ConcurrentHashMap<String, Pool> pools = new ConcurrentHashMap<>();

    SimLimits(SimClock clock, Map<String, ModelClass> classes, double burstRatio, OtpmMode otpmMode,
              long countTokensRpm, long batchRpm) {
        this.clock = clock;
        this.classes = Map.copyOf(classes);
        this.burstRatio = burstRatio;
        this.otpmMode = otpmMode;
        this.countTokensRpm = countTokensRpm;
        this.batchRpm = batchRpm;
    }

    OtpmMode otpmMode() {
        return otpmMode;
    }

    Map<String, ModelClass> classes() {
        return classes;
    }

    /** Replaces the limits at run time; existing buckets keep their level (capped). */
    synchronized void update(Map<String, ModelClass> newClasses, double newBurstRatio, OtpmMode mode,
                             long newCountTokensRpm, long newBatchRpm) {
        this.classes = Map.copyOf(newClasses);
        this.burstRatio = newBurstRatio;
        this.otpmMode = mode;
        this.countTokensRpm = newCountTokensRpm;
        this.batchRpm = newBatchRpm;
        for (Pool pool : pools.values()) {
            pool.applyLimits();
        }
    }

    void reset() {
        pools.clear();
    }

    Pool pool(String keyId, String modelClass) {
        return pools.computeIfAbsent(keyId + "|" + modelClass, k -> new Pool(keyId, modelClass));
    }

    Pool countTokensPool(String keyId) {
        return pools.computeIfAbsent(keyId + "|count_tokens", k -> new Pool(keyId, "count_tokens"));
    }

    Pool batchPool(String keyId) {
        return pools.computeIfAbsent(keyId + "|batches", k -> new Pool(keyId, "batches"));
    }

    Iterable<Pool> pools() {
        return pools.values();
    }

    /** What an admission decided ({@code at}: the simulated second of an admission). */
    record Decision(boolean admitted, String dimension, long limit, long retryAfterSeconds, double retryAfterMillis, double at) {
        Decision(boolean admitted, String dimension, long limit, long retryAfterSeconds, double retryAfterMillis) {
            this(admitted, dimension, limit, retryAfterSeconds, retryAfterMillis, 0);
        }
    }

    /** One (key, class) pool. */
    final class Pool {
        final String keyId;
        final String modelClass;
        final SimBucket requests;
        final SimBucket input;
        final SimBucket output;
        final WindowMeter requestsMeter = new WindowMeter();
        final WindowMeter inputMeter = new WindowMeter();
        final WindowMeter outputMeter = new WindowMeter();
        final Map<String, Long> rejectedBy = new ConcurrentHashMap<>();

        Pool(String keyId, String modelClass) {
            this.keyId = keyId;
            this.modelClass = modelClass;
            double now = clock.seconds();
            long[] l = limits();
            this.requests = new SimBucket(REQUESTS, l[0], burstRatio, now);
            this.input = new SimBucket(INPUT, l[1], burstRatio, now);
            this.output = new SimBucket(OUTPUT, l[2], burstRatio, now);
        }

        boolean tokenLimited() {
            return !modelClass.equals("count_tokens") && !modelClass.equals("batches");
        }

        private long[] limits() {
            if (modelClass.equals("count_tokens")) {
                return new long[] {countTokensRpm, Long.MAX_VALUE / 4, Long.MAX_VALUE / 4};
            }
            if (modelClass.equals("batches")) {
                return new long[] {batchRpm, Long.MAX_VALUE / 4, Long.MAX_VALUE / 4};
            }
            ModelClass c = classes.get(modelClass);
            return new long[] {c.rpm(), c.itpm(), c.otpm()};
        }

        synchronized void applyLimits() {
            double now = clock.seconds();
            refill(now);
            long[] l = limits();
            requests.setLimit(l[0], burstRatio);
            input.setLimit(l[1], burstRatio);
            output.setLimit(l[2], burstRatio);
        }

        private void refill(double now) {
            requests.refill(now);
            input.refill(now);
            output.refill(now);
        }

        /**
         * Admits a request of {@code inputTokens} and (in reserve mode) {@code maxTokens}, or
         * says which dimension refused it and when it would fit.
         */
        synchronized Decision admit(long inputTokens, long maxTokens) {
            double now = clock.seconds();
            refill(now);
            long reserveOut = otpmMode == OtpmMode.RESERVE_MAX_TOKENS ? maxTokens : 1;
            Decision d = check(requests, 1, now);
            if (d == null && tokenLimited()) {
                d = check(input, inputTokens, now);
            }
            if (d == null && tokenLimited()) {
                d = check(output, reserveOut, now);
            }
            if (d != null) {
                rejectedBy.merge(d.dimension(), 1L, Long::sum);
                return d;
            }
            requests.level -= 1;
            requestsMeter.record(now, 1);
            if (tokenLimited()) {
                input.level -= inputTokens;
                inputMeter.record(now, inputTokens);
                if (otpmMode == OtpmMode.RESERVE_MAX_TOKENS) {
                    output.level -= maxTokens;
                    output.reserved += maxTokens;
                }
            }
            return new Decision(true, null, 0, 0, 0, now);
        }

        private Decision check(SimBucket bucket, long amount, double now) {
            if (bucket.level >= amount) {
                return null;
            }
            double seconds = amount > bucket.capacity ? Double.POSITIVE_INFINITY : bucket.secondsUntil(amount);
            long retryAfter = Double.isInfinite(seconds) ? 60 : Math.max(1, (long) Math.ceil(seconds));
            return new Decision(false, bucket.dimension, bucket.perMinute, retryAfter,
                    Double.isInfinite(seconds) ? 60_000 : Math.max(1, seconds * 1000));
        }

        /**
         * Charges the output of a finished generation. In reserve mode the reservation made at
         * admission ({@code reserved}) is settled — the unused part refunded, never above what
         * requests still in flight leave free — and the output is recorded at the admission
         * instant, which is when the bucket paid for it.
         */
        synchronized void chargeOutput(long actual, long reserved, double admittedAt) {
            if (!tokenLimited()) {
                return;
            }
            double now = clock.seconds();
            refill(now);
            if (reserved > 0) {
                output.reserved -= reserved;
                output.level = Math.min(output.capacity - output.reserved, output.level + reserved - actual);
                outputMeter.record(admittedAt, actual);
            } else {
                output.level -= actual;
                outputMeter.record(now, actual);
            }
        }

        /** Gives back a reservation whose request never ran (a fault after admission). */
        synchronized void refund(long inputTokens, long reservedOutput) {
            double now = clock.seconds();
            refill(now);
            requests.level = Math.min(requests.capacity, requests.level + 1);
            if (tokenLimited()) {
                input.level = Math.min(input.capacity, input.level + inputTokens);
                if (otpmMode == OtpmMode.RESERVE_MAX_TOKENS) {
                    output.level = Math.min(output.capacity, output.level + reservedOutput);
                }
            }
        }

        /** The twelve {@code anthropic-ratelimit-*} headers for this pool now. */
        synchronized Map<String, String> headers() {
            double now = clock.seconds();
            refill(now);
            Instant instant = clock.at(now);
            Map<String, String> h = new LinkedHashMap<>();
            put(h, "requests", requests, instant, false);
            if (tokenLimited()) {
                put(h, "input-tokens", input, instant, true);
                put(h, "output-tokens", output, instant, true);
                long limit = input.perMinute + output.perMinute;
                long remaining = Math.max(0, (long) Math.floor(input.level)) + Math.max(0, (long) Math.floor(output.level));
                double reset = Math.max(input.secondsUntilFull(), output.secondsUntilFull());
                h.put("anthropic-ratelimit-tokens-limit", Long.toString(limit));
                h.put("anthropic-ratelimit-tokens-remaining", Long.toString(round1000(remaining)));
                h.put("anthropic-ratelimit-tokens-reset", rfc3339(instant, reset));
            }
            return h;
        }

        private void put(Map<String, String> h, String name, SimBucket bucket, Instant now, boolean rounded) {
            long remaining = Math.max(0, (long) Math.floor(bucket.level));
            h.put("anthropic-ratelimit-" + name + "-limit", Long.toString(bucket.perMinute));
            h.put("anthropic-ratelimit-" + name + "-remaining", Long.toString(rounded ? round1000(remaining) : remaining));
            h.put("anthropic-ratelimit-" + name + "-reset", rfc3339(now, bucket.secondsUntilFull()));
        }

        synchronized double level(String dimension) {
            refill(clock.seconds());
            return switch (dimension) {
                case REQUESTS -> requests.level;
                case INPUT -> input.level;
                default -> output.level;
            };
        }
    }

    static long round1000(long v) {
        return Math.round(v / 1000.0) * 1000;
    }

    static String rfc3339(Instant now, double secondsAhead) {
        Instant exact = now.plusNanos((long) (Math.max(0, secondsAhead) * 1e9));
        Instant at = exact.truncatedTo(ChronoUnit.SECONDS);
        if (at.isBefore(exact)) {
            at = at.plusSeconds(1);
        }
        return DateTimeFormatter.ISO_INSTANT.format(at);
    }
}
