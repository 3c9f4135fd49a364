package dev.pacer.batch.functional;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pacer.batch.BatchInput;
import dev.pacer.batch.BatchRunner;
import dev.pacer.batch.Plan;
import dev.pacer.batch.Prices;
import dev.pacer.sim.ModelClass;
import dev.pacer.sim.SimServer;
import dev.pacer.sim.Tier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What {@code batch plan} predicts for a file with a cached prefix and two pools, against what a live run spends. */
class PlanVersusRunTest {

    @TempDir
    Path dir;
    private SimServer sim;

    @AfterEach
    void close() {
        if (sim != null) {
            sim.close();
        }
    }

    @Test
    void plannedCostWithPromptCachingMatchesTheRunWithinAThird() throws Exception {
        sim = SimServer.builder().tier(Tier.TIER_1).timeScale(60).seed(31).start();
        List<String> lines = new ArrayList<>();
        String system = "You review distributed-systems designs with care and cite the failure modes. ".repeat(250);
        for (int i = 0; i < 30; i++) {
            lines.add("{\"custom_id\":\"s" + i + "\",\"params\":{\"model\":\"claude-sonnet-4-5\",\"max_tokens\":250,"
                    + "\"metadata\":{\"user_id\":\"sim:output_tokens=100\"},"
                    + "\"system\":[{\"type\":\"text\",\"text\":\"" + system + "\",\"cache_control\":{\"type\":\"ephemeral\"}}],"
                    + "\"messages\":[{\"role\":\"user\",\"content\":\"Design review " + i + ": where can a token bucket go wrong?\"}]}}");
            lines.add("{\"custom_id\":\"h" + i + "\",\"params\":{\"model\":\"claude-haiku-4-5\",\"max_tokens\":250,"
                    + "\"metadata\":{\"user_id\":\"sim:output_tokens=100\"},"
                    + "\"messages\":[{\"role\":\"user\",\"content\":\"Translate " + i + ": the bucket refills continuously.\"}]}}");
        }
        Path in = dir.resolve("in.jsonl");
        Files.write(in, lines);
        Plan.Figures plan = Plan.figures(BatchInput.read(in), Prices.defaults(), c -> {
            ModelClass mc = Tier.TIER_1.classes().get(c);
            return new Plan.Limits(mc.rpm(), mc.itpm(), mc.otpm(), "tier-1");
        });
        assertThat(plan.total().cacheReadTokens()).isGreaterThan(0);

        Path out = dir.resolve("out.jsonl");
        BatchRunner.Summary s = new BatchRunner(new Runs(sim, dir).options(in, out)).run();
        assertThat(s.ending()).isEqualTo(BatchRunner.Ending.DONE);
        long cacheRead = 0;
        for (String line : Files.readAllLines(out)) {
            cacheRead += Runs.json(line).path("result").path("message").path("usage").path("cache_read_input_tokens").asLong();
        }
        assertThat(cacheRead).as("the simulator served cache reads").isGreaterThan(0);
        // Stated tolerance: a third, as for input tokens (there is no local tokenizer). Without
        // cache pricing the plan was 3.6 times the run here (all 30 prefixes at the full input price).
        assertThat(plan.liveCostTypical()).isBetween(s.costUsd() * 0.67, s.costUsd() * 1.33);
        assertThat(plan.total().cacheReadTokens()).isBetween((long) (cacheRead * 0.67), (long) (cacheRead * 1.33));
    }
}
