package dev.pacer.issues;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pacer.CallSpec;
import dev.pacer.Pacer;
import dev.pacer.PacerException;
import dev.pacer.quota.Cost;
import dev.pacer.quota.QuotaKey;
import dev.pacer.route.Route;
import dev.pacer.route.Target;
import dev.pacer.time.VirtualTime;
import java.io.IOException;
import java.net.http.HttpTimeoutException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Issue 11: core guessed transport failures from exception types and class-name substrings (an
 * {@code IOException} a connection failure, a class named "...Timeout..." a timeout) beside the
 * provider, which classifies them itself. Core now reads only the provider's families: an attempt whose
 * stage fails has a bug, and the call ends at once, with its quota given back.
 */
class ClassificationIsTheProvidersTest {

    private final VirtualTime time = new VirtualTime();
    private final QuotaKey key = QuotaKey.of("k");

    @Test
    void anAttemptThatFailsItsStageEndsTheCallWithoutARetryWhateverTheException() throws Exception {
        for (Throwable thrown : new Throwable[] {new IOException("reset"), new HttpTimeoutException("slow"), new IllegalStateException("bug")}) {
            Pacer pacer = Pacer.builder().time(time).executor(Runnable::run).build();
            AtomicInteger attempts = new AtomicInteger();
            CallSpec spec = CallSpec.builder().route(Route.of(Target.of("p", "m", key))).cost(Cost.requests(1, 10, 10)).build();
            CompletableFuture<?> call = pacer.execute(spec, ctx -> {
                attempts.incrementAndGet();
                return CompletableFuture.failedFuture(thrown);
            });
            assertThat(call).isCompletedExceptionally();
            try {
                call.get();
            } catch (ExecutionException e) {
                assertThat(e.getCause()).isInstanceOf(PacerException.class).hasCause(thrown);
            }
            assertThat(attempts).as(thrown.toString()).hasValue(1);
            assertThat(pacer.quotas().view(key).inFlight()).isZero();
        }
    }
}
