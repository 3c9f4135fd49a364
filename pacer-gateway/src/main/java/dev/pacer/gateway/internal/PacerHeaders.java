package dev.pacer.gateway.internal;

import java.time.Duration;
import java.util.Map;

/**
 * The response headers that say what the gateway did: {@code x-pacer-queue-ms} (time waiting for
 * admission), {@code x-pacer-attempts} (attempts upstream, retries included), {@code x-pacer-model}
 * (only when a fallback model answered) and {@code x-pacer-overhead-ms} (the gateway's own work on the
 * request before it joined the queue: reading, parsing, key checks).
 */
public final class PacerHeaders {

    private PacerHeaders() {
    }

    public static void add(Map<String, String> headers, Duration queuedWall, int attempts, String requested, String answered,
                           long overheadNanos) {
        headers.put("x-pacer-queue-ms", Long.toString(queuedWall.toMillis()));
        headers.put("x-pacer-attempts", Integer.toString(attempts));
        if (answered != null && !answered.equals(requested)) {
            headers.put("x-pacer-model", answered);
        }
        headers.put("x-pacer-overhead-ms", String.format(java.util.Locale.ROOT, "%.3f", overheadNanos / 1e6));
    }
}
