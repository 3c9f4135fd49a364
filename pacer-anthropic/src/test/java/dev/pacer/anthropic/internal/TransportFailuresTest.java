package dev.pacer.anthropic.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.anthropic.errors.AnthropicIoException;
import com.anthropic.errors.AnthropicRetryableException;
import dev.pacer.AttemptResult;
import dev.pacer.outcome.OutcomeFamily;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpTimeoutException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;

/** Transport failures are classified by their type, along the cause chain, never by a class name. */
class TransportFailuresTest {

    @Test
    void theJdkClientsTimeoutsAndFailuresAreTimeoutsAndConnectionFailures() {
        assertThat(TransportFailures.family(new HttpTimeoutException("no complete response within 300 ms"))).isEqualTo(OutcomeFamily.TIMEOUT);
        assertThat(TransportFailures.family(new HttpConnectTimeoutException("connect timed out"))).isEqualTo(OutcomeFamily.TIMEOUT);
        assertThat(TransportFailures.family(new CompletionException(new TimeoutException()))).isEqualTo(OutcomeFamily.TIMEOUT);
        assertThat(TransportFailures.family(new CompletionException(new ConnectException("Connection refused"))))
                .isEqualTo(OutcomeFamily.CONNECTION_FAILURE);
        assertThat(TransportFailures.family(new IOException("connection reset"))).isEqualTo(OutcomeFamily.CONNECTION_FAILURE);
        assertThat(TransportFailures.family(new UncheckedIOException(new IOException("closed")))).isEqualTo(OutcomeFamily.CONNECTION_FAILURE);
    }

    @Test
    void theSdksTransportExceptionsAreTimeoutsOrConnectionFailures() {
        assertThat(TransportFailures.family(new AnthropicIoException("Request failed", new SocketTimeoutException("Read timed out"))))
                .isEqualTo(OutcomeFamily.TIMEOUT);
        // OkHttp's call timeout.
        assertThat(TransportFailures.family(new AnthropicIoException("Request failed", new InterruptedIOException("timeout"))))
                .isEqualTo(OutcomeFamily.TIMEOUT);
        assertThat(TransportFailures.family(new AnthropicIoException("Request failed", new ConnectException("Connection refused"))))
                .isEqualTo(OutcomeFamily.CONNECTION_FAILURE);
        // The SDK's own types count even without an IOException inside.
        assertThat(TransportFailures.family(new AnthropicIoException("Request failed"))).isEqualTo(OutcomeFamily.CONNECTION_FAILURE);
        assertThat(TransportFailures.family(new AnthropicRetryableException("retry"))).isEqualTo(OutcomeFamily.CONNECTION_FAILURE);
    }

    @Test
    void aClassNamedLikeATimeoutIsNotOneAndABugIsNoTransportFailure() {
        class LooksLikeATimeoutException extends RuntimeException {
        }
        assertThat(TransportFailures.family(new LooksLikeATimeoutException())).isNull();
        assertThat(TransportFailures.family(new IllegalStateException("a bug"))).isNull();
        assertThat(TransportFailures.family(new InterruptedIOException("interrupted"))).as("a thread interrupted mid-read")
                .isEqualTo(OutcomeFamily.CONNECTION_FAILURE);
    }

    @Test
    void aTransportFailureIsAFailedAttemptWithStatusZeroAndABugIsRethrown() {
        AttemptResult<Object> reset = TransportFailures.failedAttempt(new CompletionException(new ConnectException("Connection refused")));
        assertThat(reset.outcome().family()).isEqualTo(OutcomeFamily.CONNECTION_FAILURE);
        assertThat(reset.outcome().status()).isZero();
        assertThat(reset.outcome().message()).isEqualTo("ConnectException: Connection refused");
        assertThat(reset.usage()).isNull();
        Throwable bug = catchThrowable(() -> TransportFailures.failedAttempt(new IllegalStateException("a bug")));
        assertThat(bug).isInstanceOf(CompletionException.class).hasCauseInstanceOf(IllegalStateException.class);
    }
}
