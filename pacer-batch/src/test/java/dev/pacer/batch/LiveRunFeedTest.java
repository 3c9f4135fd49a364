package dev.pacer.batch;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pacer.sim.SimServer;
import dev.pacer.sim.Tier;
import dev.pacer.time.ScaledClock;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The live path hands the job to the engine a bounded number at a time, driven by completions:
 * the run's thread waits on one future, never in a timed wait that it wakes from to look again.
 */
class LiveRunFeedTest {

    @TempDir
    Path dir;

    @Test
    void completionsFeedTheEngineAndTheRunThreadNeverWaitsOnATimer() throws Exception {
        // Each answer takes ~0.3 s; 24 requests, 3 outstanding at most: eight rounds.
        try (SimServer sim = SimServer.builder().tier(Tier.TIER_4).timeScale(1).seed(3).configure(s -> s.latency(0.3, 1e6, 0)).start()) {
            List<String> lines = new ArrayList<>();
            for (int i = 1; i <= 24; i++) {
                lines.add("{\"custom_id\":\"q-" + i + "\",\"params\":{\"model\":\"claude-sonnet-4-5\",\"max_tokens\":16,"
                        + "\"metadata\":{\"user_id\":\"sim:output_tokens=5\"},\"messages\":[{\"role\":\"user\",\"content\":\"hi " + i + "\"}]}}");
            }
            Path in = dir.resolve("in.jsonl");
            Files.write(in, lines);
            Path out = dir.resolve("out.jsonl");
            ScaledClock clock = new ScaledClock(sim.clock().now(), 1);
            RunOptions options = new RunOptions(in, out, RunOptions.Via.MESSAGES, sim.baseUrl(), "sk-ant-feed", List.of(), null, null,
                    false, false, null, null, Duration.ofSeconds(5), Map.of(), clock, clock, new PrintStream(OutputStream.nullOutputStream()),
                    false, Prices.defaults(), Duration.ofSeconds(1), false, false);
            BatchInput input = BatchInput.read(in);
            Tally tally = new Tally();
            Thread run = new Thread(() -> {
                try (ResultLog log = ResultLog.open(out, 5)) {
                    new LiveRun(options, log, tally, new StopSignal(), 3).run(input.items(), 24);
                }
            }, "live-run");
            Set<Thread.State> seen = EnumSet.noneOf(Thread.State.class);
            run.start();
            // Sampled while requests are outstanding (closing the HTTP client at the end waits on a timer of its own).
            while (run.isAlive() && tally.done.get() < 24) {
                seen.add(run.getState());
                Thread.sleep(5);
            }
            run.join();
            assertThat(tally.done.get()).isEqualTo(24);
            assertThat(ResultLog.read(out)).hasSize(24).allSatisfy((id, type) -> assertThat(type).isEqualTo("succeeded"));
            assertThat(sim.snapshot().maxInFlight()).as("never more than 3 handed to the engine at once").isBetween(1, 3);
            assertThat(seen).as("the run thread waits for completions, not on a timer").contains(Thread.State.WAITING)
                    .doesNotContain(Thread.State.TIMED_WAITING);
        }
    }
}
