package dev.pacer.anthropic.internal;

import dev.pacer.anthropic.AnthropicQuotaModel;
import dev.pacer.outcome.RetryHints;
import dev.pacer.quota.Dimension;
import dev.pacer.quota.RateLimitSnapshot;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * Reads Anthropic's rate-limit headers ({@code anthropic-ratelimit-{requests,tokens,input-tokens,
 * output-tokens}-{limit,remaining,reset}}; {@code tokens} is the combined limit, {@link AnthropicQuotaModel#TOKENS})
 * and retry hints ({@code retry-after-ms},
 * {@code retry-after}, {@code x-should-retry}) into the engine's terms. A provider may send
 * anything: garbage, negative or absurd numbers, another date format. Such values are dropped
 * with a note to {@code debug} — never an exception. A delay longer than {@code maxRetryAfter} is
 * not believed, so it is ignored the same way, as if absent: the engine then backs off on its own and
 * retries. (Capping it to {@code maxRetryAfter} instead made it a delay too long for the engine to wait
 * on the target, and a 429 saying {@code retry-after: 99999999999} ended its call after one attempt.)
 */
public final class RateLimitHeaders {

    private static final long MAX_SANE_LIMIT = 1L << 40;

    private final Duration maxRetryAfter;
    private final Consumer<String> debug;

    /**
     * @param maxRetryAfter the longest server delay believed; longer ones are ignored
     * @param debug         receives a note for each value ignored (never contains a key)
     */
    public RateLimitHeaders(Duration maxRetryAfter, Consumer<String> debug) {
        this.maxRetryAfter = maxRetryAfter;
        this.debug = debug;
    }

    /** The provider's view of its buckets, or null when no header was usable. */
    public RateLimitSnapshot snapshot(Function<String, Optional<String>> header, Instant now) {
        Map<Dimension, RateLimitSnapshot.Entry> entries = new LinkedHashMap<>();
        entry(header, "requests", Dimension.REQUESTS, 1, now).ifPresent(e -> entries.put(Dimension.REQUESTS, e));
        entry(header, "input-tokens", Dimension.INPUT_TOKENS, 1000, now).ifPresent(e -> entries.put(Dimension.INPUT_TOKENS, e));
        entry(header, "output-tokens", Dimension.OUTPUT_TOKENS, 1000, now).ifPresent(e -> entries.put(Dimension.OUTPUT_TOKENS, e));
        // The combined limit: its limit only. Its remaining leaves out the output of calls still generating, which the
        // engine allows for in output_tokens alone: believed, it reads as room that is not there, and each such answer
        // grows the key's assumed share (in the two-clients test: 22.7 429s on the wire over 18 runs, against 13.7).
        // A limit alone binds only below input + output (a workspace's); at their sum it admits what they admit.
        entry(header, "tokens", AnthropicQuotaModel.TOKENS, 1000, now).filter(e -> e.limit() > 0)
                .ifPresent(e -> entries.put(AnthropicQuotaModel.TOKENS, new RateLimitSnapshot.Entry(e.limit(), -1, e.reset(), e.remainingPrecision())));
        return entries.isEmpty() ? null : new RateLimitSnapshot(now, entries);
    }

    private Optional<RateLimitSnapshot.Entry> entry(Function<String, Optional<String>> header, String name, Dimension d,
                                                    long precision, Instant now) {
        String prefix = "anthropic-ratelimit-" + name + "-";
        long limit = count(header.apply(prefix + "limit"), prefix + "limit");
        long remaining = count(header.apply(prefix + "remaining"), prefix + "remaining");
        Instant reset = instant(header.apply(prefix + "reset"), prefix + "reset", now);
        if (limit < 0 && remaining < 0) {
            return Optional.empty();
        }
        if (limit > 0 && remaining > limit) {
            debug.accept(prefix + "remaining (" + remaining + ") is above the limit (" + limit + "); using the limit");
            remaining = limit;
        }
        return Optional.of(new RateLimitSnapshot.Entry(limit == 0 ? -1 : limit, remaining, reset, precision));
    }

    /** The provider's retry hints. */
    public RetryHints hints(Function<String, Optional<String>> header, Instant now) {
        Duration delay = retryAfterMs(header.apply("retry-after-ms"));
        if (delay == null) {
            delay = retryAfter(header.apply("retry-after"), now);
        }
        Boolean shouldRetry = null;
        Optional<String> sr = header.apply("x-should-retry");
        if (sr.isPresent()) {
            String v = sr.get().trim();
            if (v.equalsIgnoreCase("true")) {
                shouldRetry = Boolean.TRUE;
            } else if (v.equalsIgnoreCase("false")) {
                shouldRetry = Boolean.FALSE;
            } else {
                debug.accept("x-should-retry '" + clip(v) + "' is neither true nor false; ignored");
            }
        }
        return new RetryHints(delay, shouldRetry, null);
    }

    private Duration retryAfterMs(Optional<String> value) {
        if (value.isEmpty()) {
            return null;
        }
        try {
            double ms = Double.parseDouble(value.get().trim());
            if (!(ms >= 0) || Double.isInfinite(ms)) {
                debug.accept("retry-after-ms '" + clip(value.get()) + "' is not a delay; ignored");
                return null;
            }
            return believed(Duration.ofNanos((long) Math.min(ms * 1e6, 1e18)), "retry-after-ms");
        } catch (NumberFormatException e) {
            debug.accept("retry-after-ms '" + clip(value.get()) + "' is not a number; ignored");
            return null;
        }
    }

    private Duration retryAfter(Optional<String> value, Instant now) {
        if (value.isEmpty()) {
            return null;
        }
        String v = value.get().trim();
        try {
            double seconds = Double.parseDouble(v);
            if (!(seconds >= 0) || Double.isInfinite(seconds)) {
                debug.accept("retry-after '" + clip(v) + "' is not a delay; ignored");
                return null;
            }
            return believed(Duration.ofNanos((long) Math.min(seconds * 1e9, 1e18)), "retry-after");
        } catch (NumberFormatException notSeconds) {
            try {
                Instant at = ZonedDateTime.parse(v, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
                Duration d = Duration.between(now, at);
                return believed(d.isNegative() ? Duration.ZERO : d, "retry-after");
            } catch (DateTimeParseException notDate) {
                debug.accept("retry-after '" + clip(v) + "' is neither seconds nor an HTTP date; ignored");
                return null;
            }
        }
    }

    /** {@code d}, or null (as if the header were absent) when it is longer than {@code maxRetryAfter}. */
    private Duration believed(Duration d, String header) {
        if (d.compareTo(maxRetryAfter) > 0) {
            debug.accept(header + " of " + d + " is longer than maxRetryAfter (" + maxRetryAfter + "); ignored");
            return null;
        }
        return d;
    }

    private long count(Optional<String> value, String name) {
        if (value.isEmpty()) {
            return -1;
        }
        try {
            long n = Long.parseLong(value.get().trim());
            if (n < 0 || n > MAX_SANE_LIMIT) {
                debug.accept(name + " '" + clip(value.get()) + "' is out of range; ignored");
                return -1;
            }
            return n;
        } catch (NumberFormatException e) {
            debug.accept(name + " '" + clip(value.get()) + "' is not a whole number; ignored");
            return -1;
        }
    }

    private Instant instant(Optional<String> value, String name, Instant now) {
        if (value.isEmpty()) {
            return null;
        }
        try {
            Instant at = Instant.parse(value.get().trim());
            if (at.isAfter(now.plus(Duration.ofDays(40))) || at.isBefore(now.minus(Duration.ofDays(1)))) {
                debug.accept(name + " '" + clip(value.get()) + "' is implausibly far from now; ignored");
                return null;
            }
            return at;
        } catch (DateTimeParseException e) {
            debug.accept(name + " '" + clip(value.get()) + "' is not an RFC 3339 time; ignored");
            return null;
        }
    }

    private static String clip(String s) {
        String t = s.replaceAll("[^\\x20-\\x7e]", "?");
        return t.length() > 40 ? t.substring(0, 40) + "..." : t;
    }
}
