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

    /** How many of a request's input tokens were read from the cache, and how many written to it. */
    record Use(int read, int written) {
        static final Use NONE = new Use(0, 0);
    }

    private final ConcurrentHashMap<String, Double> expiries = new ConcurrentHashMap<>();

    static int minimumTokens(String modelClass) {
        return modelClass.startsWith("haiku") ? 2_048 : 1_024;
    }

    /** What the request would read and write now (nothing is stored yet). */
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
        return longest == 0 ? Use.NONE : new Use(read, longest - read);
    }

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
