package dev.pacer.sim;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/** What every endpoint shares: settings, clock, limits, faults, statistics. */
final class SimState {

    private volatile SimSettings settings;
    private volatile FaultProfile faults;
    private final SimClock clock;
    private final SimLimits limits;
    private final SimStats stats = new SimStats();
    private final AtomicLong sequence = new AtomicLong();
    private final Map<String, RampDetector> ramps = new ConcurrentHashMap<>();

    SimState(SimSettings settings) {
        this.settings = settings;
        this.faults = settings.faults();
        this.clock = new SimClock(settings.timeScale());
        this.limits = new SimLimits(clock, settings.classes(), settings.burstRatio(), settings.otpmMode(),
                settings.tier().countTokensRpm(), settings.tier().batchRpm());
    }

    SimSettings settings() {
        return settings;
    }

    FaultProfile faults() {
        return faults;
    }

    void faults(FaultProfile profile) {
        this.faults = profile;
    }

    void update(SimSettings newSettings) {
        this.settings = newSettings;
        this.faults = newSettings.faults();
        limits.update(newSettings.classes(), newSettings.burstRatio(), newSettings.otpmMode(),
                newSettings.tier().countTokensRpm(), newSettings.tier().batchRpm());
    }

    SimClock clock() {
        return clock;
    }

    SimLimits limits() {
        return limits;
    }

    SimStats stats() {
        return stats;
    }

    ModelTable models() {
        return settings.models();
    }

    /** A random source for one request: repeatable for the same seed, request body and arrival order. */
    SplittableRandom random(long requestSeed) {
        return new SplittableRandom(settings.seed() * 31 + requestSeed + sequence.incrementAndGet() * 0x9E3779B97F4A7C15L);
    }

    void reset() {
        stats.reset();
        limits.reset();
        ramps.clear();
    }

    void reply(HttpExchange exchange, int status, JsonNode body, Map<String, String> headers, String requestId) throws IOException {
        stats.response(status);
        Http.send(exchange, status, body, headers, requestId);
    }

    /** The 429 for an exhausted bucket, naming the dimension, with {@code retry-after}. */
    void rateLimited(HttpExchange exchange, SimLimits.Pool pool, SimLimits.Decision d, String requestId) throws IOException {
        String what = switch (d.dimension()) {
            case SimLimits.INPUT -> "input tokens";
            case SimLimits.OUTPUT -> "output tokens";
            default -> "requests";
        };
        String message = "This request would exceed the rate limit for your organization (00000000-0000-4000-8000-00000000517e) of "
                + String.format("%,d", d.limit()) + " " + what + " per minute. For details, refer to: "
                + "https://docs.claude.com/en/api/rate-limits. You can see the response headers for current usage. Please reduce "
                + "the prompt length or the maximum tokens requested, or try again later.";
        Map<String, String> headers = new java.util.LinkedHashMap<>(pool.headers());
        headers.put("retry-after", Long.toString(d.retryAfterSeconds()));
        if (settings.retryAfterMs()) {
            headers.put("retry-after-ms", Long.toString(Math.round(d.retryAfterMillis())));
        }
        headers.put("x-should-retry", "true");
        reply(exchange, 429, Http.error("rate_limit_error", message, requestId), headers, requestId);
    }

    /** True when the acceleration limiter sees a sharp ramp on this pool. */
    boolean ramp(SimLimits.Pool pool, String id) {
        SimSettings s = settings;
        if (!s.acceleration()) {
            return false;
        }
        return ramps.computeIfAbsent(id, k -> new RampDetector()).onRequest(clock.seconds(), s.accelerationFactor(),
                pool.requests.perMinute);
    }

    /** Closes the connection without an answer. */
    void reset(HttpExchange exchange) {
        stats.response(0);
        exchange.getHttpContext().getServer();
        try {
            exchange.getRequestBody().close();
        } catch (IOException ignored) {
            // closing anyway
        }
        exchange.close();
    }

    ObjectNode statsJson() {
        return stats.toJson(Http.JSON, limits, settings.windowSeconds(), clock);
    }

    /**
     * Sharp-ramp detector: compares the request rate of the last 10 simulated seconds with the
     * trailing minute's; a rate above {@code factor} times the trailing rate (and above a tenth of
     * the per-minute limit) is a ramp.
     */
    static final class RampDetector {
        private final long[] perSecond = new long[70];
        private long lastSecond = -1;

        synchronized boolean onRequest(double now, double factor, long rpm) {
            long second = (long) now;
            if (lastSecond < 0) {
                lastSecond = second;
            }
            for (long s = lastSecond + 1; s <= second && s - lastSecond <= 70; s++) {
                perSecond[(int) (s % 70)] = 0;
            }
            lastSecond = Math.max(lastSecond, second);
            perSecond[(int) (second % 70)]++;
            long recent = 0;
            long trailing = 0;
            for (int i = 0; i < 70; i++) {
                long age = second - i;
                long n = perSecond[(int) Math.floorMod(age, 70)];
                if (i < 10) {
                    recent += n;
                } else {
                    trailing += n;
                }
            }
            double recentRate = recent / 10.0;
            double trailingRate = Math.max(trailing / 60.0, rpm / 600.0);
            return recentRate > factor * trailingRate;
        }
    }
}
