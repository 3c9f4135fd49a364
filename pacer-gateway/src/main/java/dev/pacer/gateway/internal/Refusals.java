package dev.pacer.gateway.internal;

import dev.pacer.CallFailed;
import dev.pacer.CapacityExceeded;
import dev.pacer.QuotaWaitExceeded;
import dev.pacer.gateway.internal.ApiErrors.ApiError;
import dev.pacer.outcome.OutcomeFamily;
import java.time.Duration;

/**
 * What a client is told when the engine gives no upstream answer to relay. A call that cannot be
 * admitted before its deadline gets the API's own 429 with an honest {@code retry-after} (the
 * engine's estimate of the wait, in whole seconds, rounded up), so the client's SDK backs off for as
 * long as it takes; a call larger than the quota could ever hold a 429 that says not to retry; a call
 * whose every attempt failed in transit a 502 (504 for timeouts). The engine's messages name quota
 * keys by fingerprint only, so they are safe to quote.
 */
public final class Refusals {

    private Refusals() {
    }

    public static ApiError of(Throwable error, GatewayTime<?> time) {
        if (error instanceof QuotaWaitExceeded wait) {
            Duration wall = time.wall(wait.waitEstimate());
            long seconds = Math.max(1, (wall.toMillis() + 999) / 1000);
            String dimension = wait.dimension() == null ? "a concurrency slot" : wait.dimension().name();
            return ApiErrors.rateLimited("The gateway could not admit this request within its deadline: waiting for " + dimension
                    + " quota would take about " + seconds + " s. Retry after that, or allow a longer wait (x-pacer-deadline-ms).",
                    seconds);
        }
        if (error instanceof CapacityExceeded capacity) {
            return ApiErrors.rateLimited("This request is larger than the quota can ever admit: " + capacity.getMessage(), 0);
        }
        if (error instanceof CallFailed failed && failed.outcome() != null && failed.outcome().family() == OutcomeFamily.TIMEOUT) {
            return new ApiError(504, "timeout_error", "The upstream did not answer in time: " + failed.outcome().message(), java.util.Map.of());
        }
        if (error instanceof CallFailed failed) {
            return ApiErrors.upstreamFailed("The upstream could not be reached: " + failed.getMessage());
        }
        return ApiErrors.upstreamFailed("The gateway could not relay this request (" + error.getClass().getSimpleName() + ").");
    }
}
