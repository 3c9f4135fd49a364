package dev.pacer.batch.issues;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pacer.batch.BatchRunner;
import dev.pacer.batch.RunOptions;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Found when the batch runner was attacked as a hostile upstream would: against an API that does
 * not answer, the summary said {@code attempts 56 (retries 0, fallbacks 0)} for 14 requests. A
 * retry is every attempt after a call's first on the same target — connection failures and the
 * attempts after the circuit breaker let the call through again included — and the first attempt
 * on a fallback model is a fallback, not a retry.
 *
 * <p>The upstream ({@link SilentUpstream}) reads each request whole, so it knows which request and
 * which model every attempt was, and closes the connection without a byte of answer.
 */
class RetriesCountConnectionFailuresTest {

    @TempDir
    Path dir;

    @Test
    void everyAttemptAfterARequestsFirstIsARetry() throws Exception {
        try (SilentUpstream upstream = new SilentUpstream()) {
            BatchRunner.Summary s = runUntilRetried(upstream, List.of());
            assertThat(upstream.attempts()).as("requests that reached the upstream").hasSizeGreaterThan(14);
            assertThat(s.attempts()).isEqualTo(upstream.attempts().size());
            assertThat(s.fallbacks()).isZero();
            assertThat(s.retries()).as("attempts minus requests").isEqualTo(s.attempts() - upstream.firstAttempts());
        }
    }

    @Test
    void theFirstAttemptOnAFallbackModelIsNotARetry() throws Exception {
        try (SilentUpstream upstream = new SilentUpstream()) {
            BatchRunner.Summary s = runUntilRetried(upstream, List.of("claude-haiku-4-5"));
            assertThat(upstream.attempts()).as("some calls reached the fallback").anyMatch(a -> a.endsWith("claude-haiku-4-5"));
            assertThat(s.attempts()).isEqualTo(upstream.attempts().size());
            assertThat(s.fallbacks()).isPositive();
            assertThat(s.retries()).as("attempts minus each request's first attempt on each model")
                    .isEqualTo(s.attempts() - upstream.firstAttempts());
        }
    }

    /** Runs 14 requests against {@code upstream} until 16 attempts reached it (a retry at least), then stops the run. */
    private BatchRunner.Summary runUntilRetried(SilentUpstream upstream, List<String> fallback) throws Exception {
        RunOptions options = IssueRuns.live(IssueRuns.requests(dir, 14), dir, upstream.baseUrl(), fallback, Duration.ofSeconds(5),
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
        BatchRunner runner = new BatchRunner(options);
        CompletableFuture<BatchRunner.Summary> run = CompletableFuture.supplyAsync(runner::run);
        Instant end = Instant.now().plusSeconds(60);
        while (upstream.attempts().size() < 16 && !run.isDone() && Instant.now().isBefore(end)) {
            Thread.sleep(50);
        }
        runner.stop();
        BatchRunner.Summary s = run.get(60, TimeUnit.SECONDS);
        assertThat(s.succeeded() + s.errored()).as("nothing answered, nothing final").isZero();
        return s;
    }
}
