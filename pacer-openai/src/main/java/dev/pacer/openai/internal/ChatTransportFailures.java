package dev.pacer.openai.internal;

import dev.pacer.outcome.Outcome;
import dev.pacer.outcome.OutcomeFamily;
import java.io.IOException;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpTimeoutException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/**
 * A transport failure of the provider's own client ({@code java.net.http}) by its type: a timeout
 * ({@link HttpTimeoutException}, of the exchange or of the connection) is TIMEOUT; any other
 * {@link IOException} (refused, reset, closed) a CONNECTION_FAILURE, with status 0. Anything else is
 * not a transport failure but a bug, and fails the call as it is (null).
 */
public final class ChatTransportFailures {

    private ChatTransportFailures() {
    }

    public static Outcome outcome(Throwable error) {
        Throwable t = unwrap(error);
        if (t instanceof HttpConnectTimeoutException) {
            return Outcome.failure(OutcomeFamily.TIMEOUT, "the connection to the server timed out");
        }
        if (t instanceof HttpTimeoutException) {
            return Outcome.failure(OutcomeFamily.TIMEOUT, "the server did not answer in time");
        }
        if (t instanceof IOException io) {
            return Outcome.failure(OutcomeFamily.CONNECTION_FAILURE, "the connection failed (" + io.getClass().getSimpleName()
                    + (io.getMessage() == null ? "" : ": " + ChatClassifier.safe(io.getMessage())) + ")");
        }
        return null;
    }

    public static Throwable unwrap(Throwable error) {
        Throwable t = error;
        while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }
}
