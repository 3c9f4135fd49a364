package dev.pacer.sim.internal;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;

/** The answers several endpoints share: the rate-limit 429, the spend-cap 429. */
final class Replies {

    private Replies() {
    }

    /**
     * 429 {@code rate_limit_error} naming the dimension, with the pool's headers, {@code retry-after}
     * (whole simulated seconds, rounded up), {@code x-should-retry: true} (unless disabled) and, when enabled,
     * {@code retry-after-ms} in wall-clock milliseconds so an unmodified SDK waits the right time
     * at any time scale.
     */
    static void rateLimited(Simulator sim, Exchange ex, Limiter pool, Admission a) throws IOException {
        double now = sim.clock().seconds();
        Map<String, String> headers = new LinkedHashMap<>(pool.headers(now, sim.clock().at(now)));
        retryAfter(sim, headers, a.waitSeconds());
        ex.json(429, ApiErrors.body("rate_limit_error", ApiErrors.rateLimitMessage(pool.scopeWords(a), a.perMinute(), a.dimensionWords()), ex.requestId),
                headers);
    }

    static void retryAfter(Simulator sim, Map<String, String> headers, double waitSeconds) {
        delay(sim, headers, waitSeconds);
        if (sim.settings().protocol().shouldRetryHeader()) {
            headers.put("x-should-retry", "true");
        }
    }

    /**
     * {@code retry-after} on an injected 529, 500 or 504 when the fault profile asks for one
     * ({@code faults.retry-after} above 0): the API may or may not send it there.
     */
    static void serverErrorRetryAfter(Simulator sim, Map<String, String> headers, double seconds) {
        if (seconds > 0) {
            delay(sim, headers, seconds);
        }
    }

    /** {@code retry-after} in whole simulated seconds (rounded up, at least 1), and {@code retry-after-ms} in wall time when enabled. */
    private static void delay(Simulator sim, Map<String, String> headers, double waitSeconds) {
        headers.put("retry-after", Long.toString(Math.max(1, (long) Math.ceil(waitSeconds - 1e-9))));
        if (sim.settings().protocol().retryAfterMs()) {
            headers.put("retry-after-ms", Long.toString(Math.max(1, sim.clock().wall(waitSeconds).toMillis())));
        }
    }

    /** 429 {@code enforced_spend_limit_reached}: no {@code retry-after}, retries keep failing until the month ends. */
    static void spendCapped(Simulator sim, Exchange ex, Map<String, String> headers) throws IOException {
        ObjectNode body = ApiErrors.body("rate_limit_error", "You have reached your API usage limits. You will regain access on "
                + SpendMeter.regainedOn(sim.now()) + " at 00:00 UTC.", ex.requestId);
        ((ObjectNode) body.get("error")).putObject("details").put("error_code", "enforced_spend_limit_reached");
        ex.json(429, body, headers);
    }
}
