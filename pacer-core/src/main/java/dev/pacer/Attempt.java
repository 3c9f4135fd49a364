package dev.pacer;

import dev.pacer.route.Skip;
import dev.pacer.route.Target;
import java.util.concurrent.CompletionStage;

/**
 * One try of a call against one target: send the request, classify what came back. Provided by a
 * provider adapter (e.g. pacer-anthropic). It runs on the engine's executor after admission.
 *
 * <p>Classification is the provider's: a transport failure (a timeout, a refused or reset
 * connection) is an {@link AttemptResult#failure} with the matching outcome family, not an
 * exception. A stage completed exceptionally fails the call as it is, without a retry.
 *
 * <p>For a stream, complete the stage as soon as the response is committed (its headers and first
 * event arrived) with {@link AttemptResult#streaming}: until then the engine may retry or fall back;
 * after it, failures belong to the caller.
 *
 * @param <T> what a successful attempt returns
 */
@FunctionalInterface
public interface Attempt<T> {

    /** Sends one attempt. */
    CompletionStage<AttemptResult<T>> run(AttemptContext context);

    /**
     * Asked after admission and before anything is recorded as sent: a reason not to send this attempt
     * after all (say a batch run that is stopping, or a cost ceiling the reservation would pass), or
     * null to send it. A declined attempt gives its reservation back, is not counted as an attempt or
     * by the retry budget, and ends the call with {@link AttemptDeclined}. Must be quick.
     */
    default String declineReason(AttemptContext context) {
        return null;
    }

    /**
     * Asked before {@code target} is tried, ahead of its breaker and its admission: a reason to pass it
     * over for this call, or null to try it. The engine records the skip as it is given (its reason and
     * outcome, which a failure's message then quotes) and moves to the next target without waiting or
     * counting anything. A provider uses it for a request it cannot serve faithfully
     * ({@link dev.pacer.route.SkipReason#UNSUPPORTED}) or a target it knows is spent for the run
     * ({@link dev.pacer.route.SkipReason#SPEND_CAP}). Must be quick.
     */
    default Skip passOver(Target target) {
        return null;
    }
}
