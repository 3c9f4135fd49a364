package dev.pacer.bench;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The figures of one strategy in one scenario. Times are simulated seconds.
 *
 * @param strategy               the strategy's name
 * @param concurrency            the concurrency it ran with
 * @param utilization            lower bound / makespan (1.0 is the physical limit); NaN when the work fits in the first bucketful
 * @param jobUtilization         the whole workload's lower bound / makespan, only when every request succeeded (NaN otherwise):
 *                               the same physical bound, but of the job the caller asked for, so a strategy cannot score by
 *                               handing requests back as failures
 * @param requests               logical requests
 * @param succeeded              requests answered
 * @param failedToCaller         requests whose failure reached the caller, including those unfinished at the horizon
 * @param unfinished             requests still unanswered at the horizon
 * @param wire429                429s the simulator sent
 * @param wire529                529s the simulator sent
 * @param attempts               API requests the simulator received
 * @param p50Latency             median arrival-to-answer time of the requests that succeeded
 * @param p99Latency             99th percentile of the same
 * @param interactiveP50Latency  median arrival-to-answer time of the interactive requests that succeeded
 * @param interactiveP99Latency  99th percentile of the same
 * @param interactive            requests with a deadline
 * @param deadlineMisses         of those, answered late or not at all
 * @param maxWindowOveradmission the simulator's proof: the largest amount ever admitted above a bucket's allowance (0: none)
 * @param makespan               from the start to the last bulk answer (or the horizon)
 * @param lowerBound             the shortest possible makespan for the work admitted: max over buckets of (admitted - capacity) / rate
 * @param jobLowerBound          the same for the whole workload, from its own totals (requests, input tokens, generated output)
 * @param fallbackAnswers        requests answered by the fallback model
 * @param wallSeconds            wall-clock seconds the run took
 */
public record Figures(String strategy, String concurrency, double utilization, double jobUtilization, int requests, int succeeded,
                      int failedToCaller, int unfinished, long wire429, long wire529, long attempts, double p50Latency, double p99Latency,
                      double interactiveP50Latency, double interactiveP99Latency, int interactive, int deadlineMisses,
                      double maxWindowOveradmission, double makespan, double lowerBound, double jobLowerBound, int fallbackAnswers,
                      double wallSeconds) {

    /** Attempts per logical request. */
    public double amplification() {
        return requests == 0 ? 0 : (double) attempts / requests;
    }

    /** The figures as the report's JSON names them. */
    public void writeTo(ObjectNode o) {
        o.put("strategy", strategy);
        number(o, "job_utilization", jobUtilization, 3);
        o.put("requests", requests);
        o.put("succeeded", succeeded);
        o.put("concurrency", concurrency);
        number(o, "utilization", utilization, 3);
        o.put("failed_to_caller", failedToCaller);
        o.put("unfinished", unfinished);
        o.put("wire_429", wire429);
        o.put("wire_529", wire529);
        o.put("attempts", attempts);
        number(o, "amplification", amplification(), 3);
        number(o, "p50_latency_s", p50Latency, 1);
        number(o, "p99_latency_s", p99Latency, 1);
        number(o, "interactive_p50_latency_s", interactiveP50Latency, 1);
        number(o, "interactive_p99_latency_s", interactiveP99Latency, 1);
        o.put("interactive", interactive);
        o.put("deadline_misses", deadlineMisses);
        number(o, "max_window_overadmission", maxWindowOveradmission, 1);
        number(o, "makespan_s", makespan, 1);
        number(o, "lower_bound_s", lowerBound, 1);
        number(o, "job_lower_bound_s", jobLowerBound, 1);
        o.put("fallback_answers", fallbackAnswers);
        number(o, "wall_s", wallSeconds, 1);
    }

    private static void number(ObjectNode o, String name, double v, int digits) {
        if (Double.isNaN(v) || Double.isInfinite(v)) {
            o.putNull(name);
        } else {
            double f = Math.pow(10, digits);
            o.put(name, Math.round(v * f) / f);
        }
    }
}
