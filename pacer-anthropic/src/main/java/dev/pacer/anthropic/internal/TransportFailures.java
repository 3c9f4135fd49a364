package dev.pacer.anthropic.internal;

import dev.pacer.AttemptResult;
import dev.pacer.outcome.Outcome;
import dev.pacer.outcome.OutcomeFamily;
import dev.pacer.outcome.RetryHints;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.UncheckedIOException;
import java.net.SocketTimeoutException;
import java.net.http.HttpTimeoutException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeoutException;

/**
 * The one classification of transport failures, for every Anthropic path (both clients, every
 * endpoint, a stream's reads): an attempt that failed before a complete answer becomes a failed
 * {@link AttemptResult} with status 0, never an exception the engine would have to guess about.
 * By type, along the cause chain:
 * <ul>
 *   <li>a timeout: {@link HttpTimeoutException} (the JDK client's, its connect timeout
 *       {@code HttpConnectTimeoutException} included, and the whole-exchange deadline of
 *       {@code AnthropicHttp}), {@link SocketTimeoutException} (OkHttp's read, write and connect
 *       timeouts under the SDK), {@link TimeoutException}, and the {@link InterruptedIOException}
 *       OkHttp raises for its call timeout (its message is exactly {@code timeout});</li>
 *   <li>a connection failure: any other {@link IOException} (refused, reset, closed), an
 *       {@link UncheckedIOException}, and the SDK's own {@code AnthropicIoException} (what its HTTP
 *       client wraps every {@code IOException} in) and {@code AnthropicRetryableException} (what it
 *       retries itself).</li>
 * </ul>
 * Anything else is not a transport failure: a bug, which should fail the call as it is.
 */
public final class TransportFailures {

    /** The SDK's exception types, when the SDK is on the class path (it is an optional dependency). */
    private static final Class<?> SDK_IO = sdkType("com.anthropic.errors.AnthropicIoException");
    private static final Class<?> SDK_RETRYABLE = sdkType("com.anthropic.errors.AnthropicRetryableException");

    private TransportFailures() {
    }

    /** The family of {@code error}: TIMEOUT, CONNECTION_FAILURE, or null when it is not a transport failure. */
    public static OutcomeFamily family(Throwable error) {
        boolean transport = false;
        for (Throwable t = error; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (isTimeout(t)) {
                return OutcomeFamily.TIMEOUT;
            }
            transport |= t instanceof IOException || t instanceof UncheckedIOException
                    || (SDK_IO != null && SDK_IO.isInstance(t)) || (SDK_RETRYABLE != null && SDK_RETRYABLE.isInstance(t));
        }
        return transport ? OutcomeFamily.CONNECTION_FAILURE : null;
    }

    /**
     * The outcome of an attempt that failed with {@code error} before any answer (status 0), or null
     * when {@code error} is not a transport failure. Its message names the failure, never a header.
     */
    public static Outcome outcome(Throwable error) {
        OutcomeFamily family = family(error);
        return family == null ? null : new Outcome(family, 0, null, describe(error), null, RetryHints.NONE, null);
    }

    /**
     * What an attempt's stage that failed with {@code error} means to the engine: a failed attempt
     * for a transport failure; anything else is rethrown as it is.
     */
    public static <T> AttemptResult<T> failedAttempt(Throwable error) {
        Outcome outcome = outcome(error);
        if (outcome == null) {
            throw error instanceof CompletionException c ? c : new CompletionException(error);
        }
        return AttemptResult.failure(outcome, null);
    }

    /** The root cause's class and message, e.g. {@code ConnectException: Connection refused}. */
    public static String describe(Throwable error) {
        Throwable root = error;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String message = root.getMessage();
        return root.getClass().getSimpleName() + (message == null || message.isBlank() ? "" : ": " + message);
    }

    private static boolean isTimeout(Throwable t) {
        return t instanceof HttpTimeoutException || t instanceof SocketTimeoutException || t instanceof TimeoutException
                || (t.getClass() == InterruptedIOException.class && "timeout".equals(t.getMessage()));
    }

    private static Class<?> sdkType(String name) {
        try {
            return Class.forName(name, false, TransportFailures.class.getClassLoader());
        } catch (ClassNotFoundException | LinkageError absent) {
            return null;
        }
    }
}
