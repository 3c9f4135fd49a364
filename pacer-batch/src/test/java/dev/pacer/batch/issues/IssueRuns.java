package dev.pacer.batch.issues;

import dev.pacer.batch.Prices;
import dev.pacer.batch.RunOptions;
import dev.pacer.time.ScaledClock;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Inputs and options for live runs against a hand-made upstream, on the real clock. */
final class IssueRuns {

    private IssueRuns() {
    }

    /** {@code n} Sonnet requests q-1..q-n, each asking "q-i" (so an upstream can tell them apart). */
    static Path requests(Path dir, int n) throws IOException {
        List<String> lines = new ArrayList<>();
        for (int i = 1; i <= n; i++) {
            lines.add("{\"custom_id\":\"q-" + i + "\",\"params\":{\"model\":\"claude-sonnet-4-5\",\"max_tokens\":16,"
                    + "\"messages\":[{\"role\":\"user\",\"content\":\"q-" + i + "\"}]}}");
        }
        Path in = dir.resolve("in.jsonl");
        Files.write(in, lines);
        return in;
    }

    /** A live run of {@code in} into {@code dir/out.jsonl} against {@code baseUrl}, printing to {@code out}. */
    static RunOptions live(Path in, Path dir, String baseUrl, List<String> fallback, Duration grace, PrintStream out) {
        ScaledClock clock = new ScaledClock(Instant.now(), 1);
        return new RunOptions(in, dir.resolve("out.jsonl"), RunOptions.Via.MESSAGES, baseUrl, "sk-ant-test-issues", fallback, null, null,
                false, false, null, null, grace, Map.of(), clock, clock, out, false, Prices.defaults(), Duration.ofSeconds(1), false, false);
    }
}
