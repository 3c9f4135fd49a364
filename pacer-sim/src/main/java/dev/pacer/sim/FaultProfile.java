package dev.pacer.sim;

import java.util.List;

/**
 * The failures the simulator injects. Probabilities are per request, in [0, 1], drawn from the
 * seeded random source (repeatable for the same seed and arrival order). Faults before the answer
 * (reset, 529, 500, 504) consume no rate limit; stream faults strike after the 200 and
 * {@code midStreamAfterEvents} events. Each injected fault is counted in the statistics.
 *
 * @param overloaded           529 {@code overloaded_error}
 * @param apiError             500 {@code api_error}
 * @param timeoutError         504 {@code timeout_error}
 * @param connectionReset      the connection closes before any answer
 * @param slowHeaders          the answer's headers are held back for {@code slowHeadersSeconds}
 * @param slowHeadersSeconds   how long (simulated)
 * @param midStreamError       a stream sends {@code event: error} (of {@code midStreamErrorType}) and ends
 * @param midStreamAfterEvents events a faulty stream sends before its fault (at least 1)
 * @param streamStall          a stream goes silent for {@code stallSeconds}, then goes on
 * @param stallSeconds         how long a stall lasts (simulated)
 * @param streamNoStop         a stream ends cleanly but without {@code message_stop}
 * @param streamReset          a stream's connection drops (no terminating chunk)
 * @param storms               windows of simulated time with a 529 probability for some models
 * @param batchExpire          a batch request ends {@code expired}
 * @param batchError           a valid batch request ends {@code errored} with an {@code api_error}
 * @param retryAfterSeconds    {@code retry-after} (simulated seconds, rounded up) on the 529s, 500s and 504s injected
 *                             here; 0 sends none. Whether the API sends one there is not documented, so it is a setting.
 * @param midStreamErrorType   the {@code error.type} of a mid-stream {@code event: error}, one of
 *                             {@link #MID_STREAM_ERROR_TYPES}; the API documents only {@code overloaded_error} there
 */
public record FaultProfile(double overloaded, double apiError, double timeoutError, double connectionReset,
                           double slowHeaders, double slowHeadersSeconds,
                           double midStreamError, int midStreamAfterEvents, double streamStall, double stallSeconds,
                           double streamNoStop, double streamReset, List<Storm> storms,
                           double batchExpire, double batchError, double retryAfterSeconds, String midStreamErrorType) {

    /** The error types a mid-stream {@code event: error} may carry (the reference knows overloaded_error; clients also meet these). */
    public static final List<String> MID_STREAM_ERROR_TYPES = List.of("overloaded_error", "api_error", "rate_limit_error");

    /** No faults. */
    public static final FaultProfile NONE = new FaultProfile(0, 0, 0, 0, 0, 0, 0, 5, 0, 30, 0, 0, List.of(), 0, 0, 0,
            "overloaded_error");

    public FaultProfile {
        probability("overloaded", overloaded);
        probability("api-error", apiError);
        probability("timeout-error", timeoutError);
        probability("connection-reset", connectionReset);
        probability("slow-headers", slowHeaders);
        probability("mid-stream-error", midStreamError);
        probability("stream-stall", streamStall);
        probability("stream-no-stop", streamNoStop);
        probability("stream-reset", streamReset);
        probability("batch-expire", batchExpire);
        probability("batch-error", batchError);
        if (!(slowHeadersSeconds >= 0) || !(stallSeconds >= 0)) {
            throw new IllegalArgumentException("faults: slow-headers-seconds and stall-seconds must be 0 or more, not "
                    + slowHeadersSeconds + " and " + stallSeconds + ".");
        }
        if (!(retryAfterSeconds >= 0 && retryAfterSeconds <= 86_400)) {
            throw new IllegalArgumentException("faults.retry-after must be between 0 (none) and 86400 seconds, not " + retryAfterSeconds + ".");
        }
        if (!MID_STREAM_ERROR_TYPES.contains(midStreamErrorType)) {
            throw new IllegalArgumentException("faults.mid-stream-error-type must be one of " + String.join(", ", MID_STREAM_ERROR_TYPES)
                    + ", not '" + midStreamErrorType + "'.");
        }
        if (midStreamAfterEvents < 1) {
            throw new IllegalArgumentException("faults.mid-stream-after-events must be at least 1, not " + midStreamAfterEvents + ".");
        }
        storms = List.copyOf(storms);
    }

    private static void probability(String name, double p) {
        if (!(p >= 0 && p <= 1)) {
            throw new IllegalArgumentException("faults." + name + " is a probability: between 0 and 1, not " + p + ".");
        }
    }

    /**
     * A window of simulated time during which some models answer 529 with a probability.
     *
     * @param fromSeconds start, simulated seconds since the simulator's clock started
     * @param toSeconds   end (exclusive)
     * @param probability of a 529 per request meanwhile
     * @param modelClass  which models: a class ({@code opus-4}), a model id, a family ({@code opus}: every
     *                    Opus class), or null for all
     */
    public record Storm(double fromSeconds, double toSeconds, double probability, String modelClass) {
        public Storm {
            if (!(probability >= 0 && probability <= 1) || !(toSeconds >= fromSeconds)) {
                throw new IllegalArgumentException("A storm needs a probability between 0 and 1 and from <= to, not probability "
                        + probability + " from " + fromSeconds + " to " + toSeconds + ".");
            }
        }
    }

    /** This profile with a 529 probability. */
    public FaultProfile withOverloaded(double p) {
        return new FaultProfile(p, apiError, timeoutError, connectionReset, slowHeaders, slowHeadersSeconds, midStreamError,
                midStreamAfterEvents, streamStall, stallSeconds, streamNoStop, streamReset, storms, batchExpire, batchError, retryAfterSeconds, midStreamErrorType);
    }

    /** This profile with these storms. */
    public FaultProfile withStorms(List<Storm> s) {
        return new FaultProfile(overloaded, apiError, timeoutError, connectionReset, slowHeaders, slowHeadersSeconds, midStreamError,
                midStreamAfterEvents, streamStall, stallSeconds, streamNoStop, streamReset, s, batchExpire, batchError, retryAfterSeconds, midStreamErrorType);
    }

    /** This profile with 500s, 504s and resets before the answer. */
    public FaultProfile withErrors(double apiErrors, double timeouts, double resets) {
        return new FaultProfile(overloaded, apiErrors, timeouts, resets, slowHeaders, slowHeadersSeconds, midStreamError,
                midStreamAfterEvents, streamStall, stallSeconds, streamNoStop, streamReset, storms, batchExpire, batchError, retryAfterSeconds, midStreamErrorType);
    }

    /** This profile with slow headers. */
    public FaultProfile withSlowHeaders(double p, double seconds) {
        return new FaultProfile(overloaded, apiError, timeoutError, connectionReset, p, seconds, midStreamError,
                midStreamAfterEvents, streamStall, stallSeconds, streamNoStop, streamReset, storms, batchExpire, batchError, retryAfterSeconds, midStreamErrorType);
    }

    /** This profile with mid-stream {@code overloaded_error} events after {@code afterEvents} events. */
    public FaultProfile withMidStreamError(double p, int afterEvents) {
        return new FaultProfile(overloaded, apiError, timeoutError, connectionReset, slowHeaders, slowHeadersSeconds, p,
                afterEvents, streamStall, stallSeconds, streamNoStop, streamReset, storms, batchExpire, batchError, retryAfterSeconds, midStreamErrorType);
    }

    /** This profile with stalled streams and streams ending without {@code message_stop}. */
    public FaultProfile withStreamFaults(double stall, double stallFor, double noStop) {
        return new FaultProfile(overloaded, apiError, timeoutError, connectionReset, slowHeaders, slowHeadersSeconds, midStreamError,
                midStreamAfterEvents, stall, stallFor, noStop, streamReset, storms, batchExpire, batchError, retryAfterSeconds, midStreamErrorType);
    }

    /** This profile with streams whose connection drops. */
    public FaultProfile withStreamReset(double p) {
        return new FaultProfile(overloaded, apiError, timeoutError, connectionReset, slowHeaders, slowHeadersSeconds, midStreamError,
                midStreamAfterEvents, streamStall, stallSeconds, streamNoStop, p, storms, batchExpire, batchError, retryAfterSeconds, midStreamErrorType);
    }

    /** This profile with batch requests that expire or fail. */
    public FaultProfile withBatchFaults(double expire, double error) {
        return new FaultProfile(overloaded, apiError, timeoutError, connectionReset, slowHeaders, slowHeadersSeconds, midStreamError,
                midStreamAfterEvents, streamStall, stallSeconds, streamNoStop, streamReset, storms, expire, error, retryAfterSeconds, midStreamErrorType);
    }

    /** This profile with {@code retry-after} on injected 529s, 500s and 504s (0: none). */
    public FaultProfile withRetryAfter(double seconds) {
        return new FaultProfile(overloaded, apiError, timeoutError, connectionReset, slowHeaders, slowHeadersSeconds, midStreamError,
                midStreamAfterEvents, streamStall, stallSeconds, streamNoStop, streamReset, storms, batchExpire, batchError, seconds,
                midStreamErrorType);
    }

    /** This profile with mid-stream errors of this {@code error.type}. */
    public FaultProfile withMidStreamErrorType(String type) {
        return new FaultProfile(overloaded, apiError, timeoutError, connectionReset, slowHeaders, slowHeadersSeconds, midStreamError,
                midStreamAfterEvents, streamStall, stallSeconds, streamNoStop, streamReset, storms, batchExpire, batchError,
                retryAfterSeconds, type);
    }

    /** The 529 probability for {@code model} at simulated second {@code now}. */
    public double overloadedAt(ModelTable models, String model, double now) {
        double p = overloaded;
        for (Storm s : storms) {
            if (now >= s.fromSeconds() && now < s.toSeconds() && models.matches(s.modelClass(), model)) {
                p = Math.max(p, s.probability());
            }
        }
        return p;
    }
}
