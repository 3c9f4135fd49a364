package dev.pacer.anthropic.internal;

import dev.pacer.Attempt;
import dev.pacer.AttemptResult;
import dev.pacer.CallFailed;
import dev.pacer.CallResult;
import dev.pacer.anthropic.AnthropicResponses;
import dev.pacer.anthropic.Usage;
import dev.pacer.outcome.Outcome;
import java.io.IOException;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.function.Function;

/**
 * A call to an endpoint other than Messages, over any HTTP client ({@link Transport}): one attempt
 * sends the request; a 2xx (or a status the caller takes as it is) is handed over unread, since batch
 * results can be large; any other answer is read whole, classified, and kept as the call's
 * {@link LastAnswer}; a transport failure is a failed attempt by its type. When the call fails after
 * an answer, the caller gets that answer back ({@link #finish}), as it would without Pacer once its
 * retries were spent. Used by {@code AnthropicPacer.send} and by the SDK adapter for every
 * non-Messages endpoint, so both pace, retry and hand back the same way.
 */
public final class EndpointPacing {

    private EndpointPacing() {
    }

    /**
     * One HTTP client's way of sending the request and reading an answer.
     *
     * @param <R> its answer type
     */
    public interface Transport<R> {

        /** Sends the request once. */
        CompletionStage<R> send();

        /** The answer's status. */
        int status(R answer);

        /** The answer's headers, by (case-insensitive) name. */
        Function<String, Optional<String>> headers(R answer);

        /** Reads the answer's body whole and closes it. */
        byte[] readAndClose(R answer) throws IOException;

        /** The answer again, its body replaced by {@code body} (already read), for the caller. */
        R buffered(R answer, byte[] body);

        /** What the caller sees when an answer's body broke off and nothing better came after. */
        Throwable brokenBody(IOException error);
    }

    /** What ended a call: the answer and how it was classified. */
    public record Answered<R>(R answer, Outcome outcome) {
    }

    /** The attempt: see the class comment. {@code answeredAsIs}: statuses the caller takes as they are. */
    public static <R> Attempt<R> attempt(Transport<R> transport, AnthropicResponses responses, Set<Integer> answeredAsIs,
                                         LastAnswer<R> last) {
        return context -> transport.send().handle((answer, error) -> {
            if (error != null) {
                Throwable cause = unwrap(error);
                AttemptResult<R> failed = TransportFailures.failedAttempt(cause);
                last.failedInTransit(cause);
                return failed;
            }
            int status = transport.status(answer);
            Function<String, Optional<String>> headers = transport.headers(answer);
            if ((status >= 200 && status < 300) || answeredAsIs.contains(status)) {
                return AttemptResult.success(responses.accepted(status, headers), answer, Usage.costOf(0, 0));
            }
            byte[] body;
            try {
                body = transport.readAndClose(answer);
            } catch (IOException e) {
                last.failedInTransit(transport.brokenBody(e));
                return AttemptResult.failure(responses.brokeOff(status, headers, e, "the answer broke off"), null);
            }
            Outcome outcome = responses.classify(status, headers, body);
            last.answered(transport.buffered(answer, body), outcome);
            return AttemptResult.failure(outcome, null);
        });
    }

    /**
     * What the caller gets from a call that ended with {@code result} or {@code error}: the answer; or,
     * when the call failed after answers, the last of them; or, when its last failure was a transport
     * failure and {@code transportAsIs}, that exception as it is (say the SDK's own); else the
     * engine's error (a {@code QuotaWaitExceeded}, a {@code CallFailed} explaining every target).
     *
     * @throws CompletionException carrying the error when there is no answer to give
     */
    public static <R> Answered<R> finish(CallResult<R> result, Throwable error, LastAnswer<R> last, boolean transportAsIs) {
        if (error == null) {
            return new Answered<>(result.value(), result.outcome());
        }
        Throwable cause = unwrap(error);
        if (cause instanceof CallFailed) {
            R answer = last.answer();
            if (answer != null) {
                return new Answered<>(answer, last.outcome());
            }
            Throwable transport = last.transportFailure();
            if (transport != null && transportAsIs) {
                throw transport instanceof RuntimeException r ? r : new CompletionException(transport);
            }
        }
        throw cause instanceof RuntimeException r ? r : new CompletionException(cause);
    }

    /** The cause of a future's failure. */
    public static Throwable unwrap(Throwable error) {
        Throwable t = error;
        while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }
}
