package dev.pacer.sim;

import java.util.List;

/**
 * Failures the simulator injects. Probabilities are per request, in [0, 1]; storms apply during
 * a window of simulated time (seconds since the simulator started) to one model class or all.
 *
 * @param overloaded           probability of 529 {@code overloaded_error}
 * @param apiError             probability of 500 {@code api_error}
 * @param timeoutError         probability of 504 {@code timeout_error}
 * @param connectionReset      probability the connection is closed before any response
 * @param midStreamError       probability a stream gets {@code event: error} (overloaded) after {@code midStreamAfterEvents} events
 * @param midStreamAfterEvents events sent before a mid-stream error
 * @param streamStall          probability a stream stops sending for {@code stallSeconds} (simulated) midway
 * @param stallSeconds         how long a stall lasts
 * @param streamNoStop         probability a stream ends without {@code message_stop} (connection closed)
 * @param slowHeadersSeconds   extra simulated delay before response headers
 * @param storms               scheduled overload storms
 * @param batchExpire          probability a batch request ends {@code expired}
 * @param batchError           probability a valid batch request ends {@code errored} with an api_error
 */
public record FaultProfile(double overloaded, double apiError, double timeoutError, double connectionReset,
                           double midStreamError, int midStreamAfterEvents, double streamStall, double stallSeconds,
                           double streamNoStop, double slowHeadersSeconds, List<Storm> storms,
                           double batchExpire, double batchError) {

    /** No faults. */
    public static final FaultProfile NONE = new FaultProfile(0, 0, 0, 0, 0, 5, 0, 30, 0, 0, List.of(), 0, 0);

    public FaultProfile {
        for (double p : new double[] {overloaded, apiError, timeoutError, connectionReset, midStreamError, streamStall,
                streamNoStop, batchExpire, batchError}) {
            if (!(p >= 0 && p <= 1)) {
                throw new IllegalArgumentException("Fault probabilities must be between 0 and 1, not " + p + ".");
            }
        }
        storms = List.copyOf(storms);
    }

    /**
     * A window of simulated time during which a model class answers 529 with some probability.
     *
     * @param fromSeconds start, simulated seconds since the simulator started
     * @param toSeconds   end
     * @param probability of 529 per request during the storm
     * @param modelClass  the class hit, or null for all
     */
    public record Storm(double fromSeconds, double toSeconds, double probability, String modelClass) {
        public Storm {
            if (!(probability >= 0 && probability <= 1) || toSeconds < fromSeconds) {
                throw new IllegalArgumentException("A storm needs 0 <= probability <= 1 and from <= to, not p=" + probability
                        + " from " + fromSeconds + " to " + toSeconds + ".");
            }
        }
    }

    /** This profile with a 529 probability. */
    public FaultProfile withOverloaded(double p) {
        return new FaultProfile(p, apiError, timeoutError, connectionReset, midStreamError, midStreamAfterEvents, streamStall,
                stallSeconds, streamNoStop, slowHeadersSeconds, storms, batchExpire, batchError);
    }

    /** This profile with storms. */
    public FaultProfile withStorms(List<Storm> s) {
        return new FaultProfile(overloaded, apiError, timeoutError, connectionReset, midStreamError, midStreamAfterEvents,
                streamStall, stallSeconds, streamNoStop, slowHeadersSeconds, s, batchExpire, batchError);
    }

    /** This profile with mid-stream errors. */
    public FaultProfile withMidStreamError(double p, int afterEvents) {
        return new FaultProfile(overloaded, apiError, timeoutError, connectionReset, p, afterEvents, streamStall,
                stallSeconds, streamNoStop, slowHeadersSeconds, storms, batchExpire, batchError);
    }

    /** This profile with server errors and resets. */
    public FaultProfile withErrors(double apiErrors, double timeouts, double resets) {
        return new FaultProfile(overloaded, apiErrors, timeouts, resets, midStreamError, midStreamAfterEvents, streamStall,
                stallSeconds, streamNoStop, slowHeadersSeconds, storms, batchExpire, batchError);
    }

    /** This profile with stream stalls and streams ending without message_stop. */
    public FaultProfile withStreamFaults(double stall, double stallFor, double noStop) {
        return new FaultProfile(overloaded, apiError, timeoutError, connectionReset, midStreamError, midStreamAfterEvents, stall,
                stallFor, noStop, slowHeadersSeconds, storms, batchExpire, batchError);
    }

    /** This profile with batch item faults. */
    public FaultProfile withBatchFaults(double expire, double error) {
        return new FaultProfile(overloaded, apiError, timeoutError, connectionReset, midStreamError, midStreamAfterEvents,
                streamStall, stallSeconds, streamNoStop, slowHeadersSeconds, storms, expire, error);
    }

    /** The 529 probability for {@code modelClass} at simulated second {@code now}. */
    double overloadedAt(String modelClass, double now) {
        double p = overloaded;
        for (Storm s : storms) {
            if (now >= s.fromSeconds() && now < s.toSeconds() && (s.modelClass() == null || s.modelClass().equals(modelClass))) {
                p = Math.max(p, s.probability());
            }
        }
        return p;
    }
}
