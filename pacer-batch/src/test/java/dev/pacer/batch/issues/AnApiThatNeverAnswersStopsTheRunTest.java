package dev.pacer.batch.issues;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pacer.batch.BatchRunner;
import dev.pacer.batch.RunOptions;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Found when the batch runner was attacked as a hostile upstream would: against an API that does
 * not answer, a live run was to stop with "does not answer" and exit 3, but it counted requests
 * that had ended without an answer, and once the circuit breaker opened a request spent its
 * attempts minutes apart: 14 requests against a port nobody listens on had not stopped after
 * 150 s. Counted by attempt (8 without an answer, over at least 10 s), it stops in about 15 s.
 */
class AnApiThatNeverAnswersStopsTheRunTest {

    @TempDir
    Path dir;

    @Test
    void theRunStopsByItselfSayingTheApiDoesNotAnswerAndWritesNothing() throws Exception {
        try (SilentUpstream upstream = new SilentUpstream()) {
            Path out = dir.resolve("out.jsonl");
            ByteArrayOutputStream printed = new ByteArrayOutputStream();
            RunOptions options = IssueRuns.live(IssueRuns.requests(dir, 14), dir, upstream.baseUrl(), List.of(), Duration.ofSeconds(2),
                    new PrintStream(printed, true, StandardCharsets.UTF_8));

            long started = System.nanoTime();
            BatchRunner.Summary s = CompletableFuture.supplyAsync(() -> new BatchRunner(options).run()).get(90, TimeUnit.SECONDS);

            assertThat(s.ending()).isEqualTo(BatchRunner.Ending.STOPPED);
            assertThat(s.stoppedBecause()).isEqualTo("unreachable");
            assertThat(printed.toString(StandardCharsets.UTF_8)).contains("Stopping: " + upstream.baseUrl() + " does not answer (connection failure);"
                    + " check --base-url and the network, then rerun the same command to resume.");
            assertThat(Duration.ofNanos(System.nanoTime() - started)).as("stopped by itself, well before a minute").isLessThan(Duration.ofSeconds(45));
            assertThat(Files.exists(out) ? Files.readString(out) : "").as("nothing final: the resume sends them all again").isEmpty();
            assertThat(s.attempts()).isGreaterThanOrEqualTo(8).isEqualTo(upstream.attempts().size());
        }
    }
}
