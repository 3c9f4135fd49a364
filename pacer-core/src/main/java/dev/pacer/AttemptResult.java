package dev.pacer;

import dev.pacer.outcome.Outcome;
import dev.pacer.quota.Cost;
import java.util.Objects;
import java.util.concurrent.CompletionStage;

/**
 * How one attempt ended.
 *
 * @param outcome    the classified outcome (with the provider's rate-limit snapshot, if any)
 * @param value      the result on success, else null
 * @param usage      what the attempt really cost; null when unknown (a success then settles with the
 *                   estimate, a failure refunds everything)
 * @param completion for a committed stream: completes with the final cost when the stream ends;
 *                   until then the reservation and the concurrency slot stay held. Null otherwise.
 * @param <T>        the value type
 */
public record AttemptResult<T>(Outcome outcome, T value, Cost usage, CompletionStage<Cost> completion) {

    public AttemptResult {
        Objects.requireNonNull(outcome, "outcome");
    }

    /** A complete success. */
    public static <T> AttemptResult<T> success(Outcome outcome, T value, Cost usage) {
        return new AttemptResult<>(outcome, value, usage, null);
    }

    /** A committed stream: {@code completion} completes with its final cost when it ends. */
    public static <T> AttemptResult<T> streaming(Outcome outcome, T value, CompletionStage<Cost> completion) {
        return new AttemptResult<>(outcome, value, null, Objects.requireNonNull(completion, "completion"));
    }

    /** A failure; {@code usage} is what the provider still charged, or null for nothing. */
    public static <T> AttemptResult<T> failure(Outcome outcome, Cost usage) {
        return new AttemptResult<>(outcome, null, usage, null);
    }
}
