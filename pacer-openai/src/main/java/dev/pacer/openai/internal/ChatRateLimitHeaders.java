package dev.pacer.openai.internal;

import dev.pacer.openai.OpenAiQuotaModel;
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
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads an OpenAI-compatible server's rate-limit headers ({@code x-ratelimit-{limit,remaining,reset}-
 * {requests,tokens}}, resets as Go durations such as {@code 1s}, {@code 6m0s}, {@code 12ms},
 * {@code 1m30.5s}) into a snapshot of {@link Dimension#REQUESTS} and {@link OpenAiQuotaModel#TOKENS},
 * and the retry hints: {@code retry-after-ms}, {@code retry-after} (seconds or an HTTP date),
 * {@code x-should-retry}, else the "Please try again in 644ms." of a 429's message. A server may send
 * anything, or nothing (vLLM and Ollama send none): garbage, negative or absurd values are dropped with
 * a note to {@code debug}, never an exception, and a delay above {@code maxRetryAfter} is not believed
 * (as for Anthropic: capped, it ended a call after one attempt).
 */
public final class ChatRateLimitHeaders {

    private static final long MAX_SANE_LIMIT = 1L << 40;
    private static final Pattern GO_PART = Pattern.compile("(\\d+(?:\\.\\d+)?)(h|ms|m|s|us|µs|ns)");
    private static final Pattern TRY_AGAIN = Pattern.compile("try again in ((?:\\d+(?:\\.\\d+)?(?:h|ms|m|s|us|µs|ns))+)");

    private final Duration maxRetryAfter;
    private final Consumer<String> debug;

    public ChatRateLimitHeaders(Duration maxRetryAfter, Consumer<String> debug) {
        this.maxRetryAfter = maxRetryAfter;
        this.debug = debug;
    }

    /** The server's view of its buckets, or null when no header was usable. */
    public RateLimitSnapshot snapshot(Function<String, Optional<String>> header, Instant now) {
        Map<Dimension, RateLimitSnapshot.Entry> entries = new LinkedHashMap<>();
        entry(header, "requests", now).ifPresent(e -> entries.put(Dimension.REQUESTS, e));
        entry(header, "tokens", now).ifPresent(e -> entries.put(OpenAiQuotaModel.TOKENS, e));
        return entries.isEmpty() ? null : new RateLimitSnapshot(now, entries);
    }

    private Optional<RateLimitSnapshot.Entry> entry(Function<String, Optional<String>> header, String name, Instant now) {
        long limit = count(header.apply("x-ratelimit-limit-" + name), "x-ratelimit-limit-" + name);
        long remaining = count(header.apply("x-ratelimit-remaining-" + name), "x-ratelimit-remaining-" + name);
        Optional<String> resetText = header.apply("x-ratelimit-reset-" + name);
        Duration reset = resetText.isEmpty() ? null : goDuration(resetText.get().trim());
        if (resetText.isPresent() && reset == null) {
            debug.accept("x-ratelimit-reset-" + name + " is not a duration such as 1s or 6m0s; ignored");
        }
        if (limit < 0 && remaining < 0) {
            return Optional.empty();
        }
        if (limit > 0 && remaining > limit) {
            debug.accept("x-ratelimit-remaining-" + name + " (" + remaining + ") is above the limit (" + limit + "); using the limit");
            remaining = limit;
        }
        return Optional.of(new RateLimitSnapshot.Entry(limit == 0 ? -1 : limit, remaining, reset == null ? null : now.plus(reset), 1));
    }

    /** The retry hints of an answer; {@code message} is the error's message (for "try again in"), or null. */
    public RetryHints hints(Function<String, Optional<String>> header, String message, Instant now) {
        Duration delay = milliseconds(header.apply("retry-after-ms"));
        if (delay == null) {
            delay = retryAfter(header.apply("retry-after"), now);
        }
        if (delay == null && message != null) {
            Matcher m = TRY_AGAIN.matcher(message);
            if (m.find()) {
                delay = goDuration(m.group(1));
            }
        }
        if (delay != null && delay.compareTo(maxRetryAfter) > 0) {
            debug.accept("a retry delay of " + delay.toMillis() + " ms is above the " + maxRetryAfter.toMillis() + " ms believed; ignored");
            delay = null;
        }
        Boolean shouldRetry = header.apply("x-should-retry").map(String::trim).map(v -> switch (v) {
            case "true" -> Boolean.TRUE;
            case "false" -> Boolean.FALSE;
            default -> {
                debug.accept("x-should-retry is neither true nor false; ignored");
                yield null;
            }
        }).orElse(null);
        return new RetryHints(delay, shouldRetry, null);
    }

    /**
     * A Go duration ({@code 1h2m3.5s}, {@code 12ms}, {@code 0s}), or null when it is not one. A sign,
     * spaces or a bare number are not durations.
     */
    public static Duration goDuration(String text) {
        if (text == null || text.isEmpty() || text.length() > 40) {
            return null;
        }
        Matcher m = GO_PART.matcher(text);
        int at = 0;
        double nanos = 0;
        while (m.find()) {
            if (m.start() != at) {
                return null;
            }
            double v = Double.parseDouble(m.group(1));
            nanos += v * switch (m.group(2)) {
                case "h" -> 3.6e12;
                case "m" -> 6e10;
                case "s" -> 1e9;
                case "ms" -> 1e6;
                case "us", "µs" -> 1e3;
                default -> 1;
            };
            at = m.end();
        }
        if (at != text.length() || at == 0 || nanos > 8.64e13 * 365) {
            return null;
        }
        return Duration.ofNanos((long) nanos);
    }

    private long count(Optional<String> value, String name) {
        if (value.isEmpty()) {
            return -1;
        }
        try {
            long n = Long.parseLong(value.get().trim());
            if (n < 0 || n > MAX_SANE_LIMIT) {
                debug.accept(name + " is out of range; ignored");
                return -1;
            }
            return n;
        } catch (NumberFormatException e) {
            debug.accept(name + " is not a whole number; ignored");
            return -1;
        }
    }

    private Duration milliseconds(Optional<String> value) {
        if (value.isEmpty()) {
            return null;
        }
        try {
            double ms = Double.parseDouble(value.get().trim());
            if (ms >= 0 && Double.isFinite(ms)) {
                return Duration.ofNanos((long) (ms * 1e6));
            }
        } catch (NumberFormatException e) {
            // noted below
        }
        debug.accept("retry-after-ms is not a number of milliseconds; ignored");
        return null;
    }

    private Duration retryAfter(Optional<String> value, Instant now) {
        if (value.isEmpty()) {
            return null;
        }
        String v = value.get().trim();
        try {
            double seconds = Double.parseDouble(v);
            if (seconds >= 0 && Double.isFinite(seconds) && seconds < 1e9) {
                return Duration.ofNanos((long) (seconds * 1e9));
            }
        } catch (NumberFormatException e) {
            try {
                Instant at = ZonedDateTime.parse(v, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
                return at.isAfter(now) ? Duration.between(now, at) : Duration.ZERO;
            } catch (DateTimeParseException notADate) {
                // noted below
            }
        }
        debug.accept("retry-after is neither seconds nor an HTTP date; ignored");
        return null;
    }
}
