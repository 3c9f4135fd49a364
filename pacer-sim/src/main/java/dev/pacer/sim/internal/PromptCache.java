package dev.pacer.sim.internal;

import java.util.List;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Prompt caching on simulated time: a prefix ending at a {@code cache_control} breakpoint is
 * written by one request and read by the next ones for its lifetime (5 minutes, or 1 hour), each
 * read refreshing it. Prefixes shorter than the model's minimum (1,024 tokens; 2,048 for Haiku)
 * are never cached, as with the API. Scoped per API key and model.
 */
final class PromptCache {

    /**
     * How many of a request's input tokens were read from the cache, how many written to it, and
     * how many of those written went in with the 1-hour lifetime (the rest: 5 minutes).
     */
    record Use(int read, int written, int writtenOneHour) {
        static final Use NONE = new Use(0, 0, 0);
    }

    private final ConcurrentHashMap<String, Double> expiries = new ConcurrentHashMap<>();

    static int minimumTokens(String modelClass) {
        return modelClass.startsWith("haiku") ? 2_048 : 1_024;
    }

    /**
     * What the request would read and write now (nothing is stored yet). The tokens written are
     * split by lifetime as the API bills them: each stretch of the prompt up to a breakpoint goes
     * in with that breakpoint's {@code ttl}, so a 1-hour system prompt followed by a 5-minute
     * conversation prefix writes some of each.
     */
    Use lookup(String scope, List<MessageRequest.Breakpoint> breakpoints, int minimum, double now) {
        int longest = 0;
        int read = 0;
        for (MessageRequest.Breakpoint b : breakpoints) {
            if (b.tokens() < minimum) {
                continue;
            }
            longest = Math.max(longest, b.tokens());
            Double expiry = expiries.get(key(scope, b));
            if (expiry != null && expiry > now) {
                read = Math.max(read, b.tokens());
            }
        }
        if (longest == 0) {
            return Use.NONE;
        }
        int oneHour = 0;
        int from = read;
        for (MessageRequest.Breakpoint b : breakpoints.stream().filter(b -> b.tokens() >= minimum)
                .sorted(java.util.Comparator.comparingInt(MessageRequest.Breakpoint::tokens)).toList()) {
            if (b.tokens() > from) {
                if (b.ttlSeconds() >= ONE_HOUR_SECONDS) {
                    oneHour += b.tokens() - from;
                }
                from = b.tokens();
            }
        }
        return new Use(read, longest - read, oneHour);
    }

    /** The lifetime of a breakpoint marked {@code "ttl": "1h"}. */
    static final double ONE_HOUR_SECONDS = 3_600;

    /** Stores (or refreshes) every cacheable prefix of an admitted request. */
    void store(String scope, List<MessageRequest.Breakpoint> breakpoints, int minimum, double now) {
        for (MessageRequest.Breakpoint b : breakpoints) {
            if (b.tokens() >= minimum) {
                expiries.merge(key(scope, b), now + b.ttlSeconds(), Math::max);
            }
        }
        if (expiries.size() > 100_000) {
            expiries.values().removeIf(expiry -> expiry <= now);
        }
    }

    void clear() {
        expiries.clear();
    }

    private static String key(String scope, MessageRequest.Breakpoint b) {
        return scope + "|" + Long.toHexString(b.prefixHash()) + "|" + b.tokens();
    }
}
