package dev.pacer.sim.internal;

import dev.pacer.sim.ChatSimSettings;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The OpenAI side's limits: per API key and model, a request bucket and one combined token bucket,
 * both refilling continuously to a minute's worth, as OpenAI describes its limits; and per key a token
 * budget. A request is charged one request and its prompt plus its {@code max_tokens} when it arrives,
 * and nothing is given back when the answer is shorter: OpenAI's documentation says the token limit
 * counts {@code max_tokens} up front and says nothing of a refund, so the simulator takes the strict
 * reading (a client that assumes a refund meets 429s here, not a lenient simulator). Thread-safe: each
 * pair of buckets is changed under its own lock.
 */
final class ChatQuota {

    /** What an admission decided: room (and the figures for the headers), or which bucket refused and for how long. */
    record Decision(boolean admitted, String refusedDimension, double retryAfterSeconds, long used, Headers headers) {
    }

    /** The six {@code x-ratelimit-*} figures after the decision. */
    record Headers(long limitRequests, long remainingRequests, double resetRequestsSeconds, long limitTokens, long remainingTokens,
                   double resetTokensSeconds) {
    }

    private final Map<String, Buckets> buckets = new ConcurrentHashMap<>();
    private final Map<String, AtomicLong> spent = new ConcurrentHashMap<>();

    /** Takes one request and {@code tokens} from the key's buckets for {@code model} at {@code now}, or neither. */
    Decision admit(String keyId, String model, ChatSimSettings.Model limits, long tokens, double now) {
        Buckets b = buckets.computeIfAbsent(keyId + "|" + model, k -> new Buckets(limits, now));
        synchronized (b) {
            b.refill(limits, now);
            if (b.requests < 1) {
                return new Decision(false, "requests", (1 - b.requests) / (limits.rpm() / 60.0), limits.rpm() - (long) Math.floor(b.requests),
                        b.headers(limits));
            }
            if (b.tokens < tokens) {
                return new Decision(false, "tokens", (tokens - b.tokens) / (limits.tpm() / 60.0), limits.tpm() - (long) Math.floor(b.tokens),
                        b.headers(limits));
            }
            b.requests -= 1;
            b.tokens -= tokens;
            return new Decision(true, null, 0, 0, b.headers(limits));
        }
    }

    /** Whether the key has used its whole budget ({@code budget} 0: there is none). */
    boolean overBudget(String keyId, long budget) {
        return budget > 0 && spent.computeIfAbsent(keyId, k -> new AtomicLong()).get() >= budget;
    }

    /** Counts tokens an answer used against the key's budget. */
    void spend(String keyId, long tokens) {
        spent.computeIfAbsent(keyId, k -> new AtomicLong()).addAndGet(tokens);
    }

    /** The requests and tokens left now in a key's buckets for a model (NaN when unused). */
    double[] levels(String keyId, String model, ChatSimSettings.Model limits, double now) {
        Buckets b = buckets.get(keyId + "|" + model);
        if (b == null) {
            return new double[] {Double.NaN, Double.NaN};
        }
        synchronized (b) {
            b.refill(limits, now);
            return new double[] {b.requests, b.tokens};
        }
    }

    private static final class Buckets {
        double requests;
        double tokens;
        double at;

        Buckets(ChatSimSettings.Model limits, double now) {
            requests = limits.rpm();
            tokens = limits.tpm();
            at = now;
        }

        void refill(ChatSimSettings.Model limits, double now) {
            double dt = Math.max(0, now - at);
            at = Math.max(at, now);
            requests = Math.min(limits.rpm(), requests + dt * limits.rpm() / 60.0);
            tokens = Math.min(limits.tpm(), tokens + dt * limits.tpm() / 60.0);
        }

        Headers headers(ChatSimSettings.Model limits) {
            double resetRequests = (limits.rpm() - requests) / (limits.rpm() / 60.0);
            double resetTokens = (limits.tpm() - tokens) / (limits.tpm() / 60.0);
            return new Headers(limits.rpm(), Math.max(0, (long) Math.floor(requests)), resetRequests, limits.tpm(),
                    Math.max(0, (long) Math.floor(tokens)), resetTokens);
        }
    }
}
