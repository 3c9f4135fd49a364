package dev.pacer;

import java.util.concurrent.CompletionStage;

/**
 * One try of a call against one target: send the request, classify what came back. Provided by a
 * provider adapter (e.g. pacer-anthropic). It runs on the engine's executor after admission.
 *
 * <p>For a stream, complete the stage as soon as the response is committed (its headers and first
 * event arrived) with {@link AttemptResult#streaming}: until then the engine may retry or fall back;
 * after it, failures belong to the caller.
 *
 * @param <T> what a successful attempt returns
 */
@FunctionalInterface
public interface Attempt<T> {

    /** Sends one attempt. A stage completed exceptionally with an {@link java.io.IOException} counts as a connection failure. */
    CompletionStage<AttemptResult<T>> run(AttemptContext context);
}
