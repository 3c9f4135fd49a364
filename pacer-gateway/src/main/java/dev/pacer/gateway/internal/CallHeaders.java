package dev.pacer.gateway.internal;

import dev.pacer.gateway.internal.ApiErrors.ApiError;
import dev.pacer.quota.Priority;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * What a client's request headers ask of the gateway: the admission class
 * ({@code x-pacer-priority: interactive|normal|bulk}), how long it will wait for admission, and the
 * headers that go on upstream. The wait is {@code x-pacer-deadline-ms}; else half of the client's
 * own timeout, which the official SDKs send on every request as {@code X-Stainless-Timeout} (in
 * seconds), so the gateway's honest 429 comes while the client still listens and leaves it the other
 * half for the answer; else the configured default. {@code x-pacer-*} headers stay here.
 * {@code X-Stainless-Retry-Count} (also on every SDK request) above 0 makes the call a retry of the
 * client's earlier one: counted as a retry in the engine's metrics and retry budget, not as new demand.
 *
 * @param priority  the class asked for, or null
 * @param patience  how long the call may wait for admission, in wall time
 * @param forwarded the headers to send on (the pipeline drops hop-by-hop ones and credentials)
 * @param clientRetries the client's own retry count ({@code X-Stainless-Retry-Count}), 0 for a new call or
 *                      when the header is absent or not a whole number
 */
public record CallHeaders(Priority priority, Duration patience, Map<String, String> forwarded, int clientRetries) {

    /** A header the gateway cannot read: answered 400, naming it. */
    public static final class Invalid extends Exception {
        private final transient ApiError error;

        Invalid(String message) {
            super(message, null, false, false);
            this.error = ApiErrors.invalidRequest(message);
        }

        public ApiError error() {
            return error;
        }
    }

    private static final long MAX_MS = Duration.ofDays(1).toMillis();

    /** Reads them from {@code headers} (lower-case names). */
    public static CallHeaders read(Map<String, String> headers, Duration defaultPatience) throws Invalid {
        Priority priority = null;
        String p = headers.get("x-pacer-priority");
        if (p != null) {
            priority = switch (p.trim().toLowerCase(Locale.ROOT)) {
                case "interactive" -> Priority.INTERACTIVE;
                case "normal" -> Priority.NORMAL;
                case "bulk" -> Priority.BULK;
                default -> throw new Invalid("The header x-pacer-priority must be interactive, normal or bulk.");
            };
        }
        Duration patience = defaultPatience;
        String deadline = headers.get("x-pacer-deadline-ms");
        String stainless = headers.get("x-stainless-timeout");
        if (deadline != null) {
            long ms;
            try {
                ms = Long.parseLong(deadline.trim());
            } catch (NumberFormatException e) {
                ms = -1;
            }
            if (ms < 1 || ms > MAX_MS) {
                throw new Invalid("The header x-pacer-deadline-ms must be a whole number of milliseconds from 1 to " + MAX_MS + ".");
            }
            patience = Duration.ofMillis(ms);
        } else if (stainless != null) {
            try {
                double seconds = Double.parseDouble(stainless.trim());
                if (seconds > 0 && seconds * 1000 <= MAX_MS) {
                    patience = Duration.ofMillis(Math.max(1, (long) (seconds * 500)));
                }
            } catch (NumberFormatException ignored) {
                // not ours to refuse: an SDK's header; the default applies
            }
        }
        Map<String, String> forwarded = new LinkedHashMap<>();
        headers.forEach((name, value) -> {
            if (!name.startsWith("x-pacer-")) {
                forwarded.put(name, value);
            }
        });
        return new CallHeaders(priority, patience, forwarded, clientRetries(headers.get("x-stainless-retry-count")));
    }

    private static int clientRetries(String header) {
        if (header == null) {
            return 0;
        }
        try {
            return Math.max(0, Math.min(1_000, Integer.parseInt(header.trim())));
        } catch (NumberFormatException ignored) {
            return 0; // not ours to refuse: an SDK's header
        }
    }
}
