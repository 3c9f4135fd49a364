package dev.pacer.batch.functional;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.pacer.anthropic.Usage;
import dev.pacer.batch.BatchException;
import dev.pacer.batch.BatchRunner;
import dev.pacer.batch.Prices;
import dev.pacer.batch.RunOptions;
import dev.pacer.openai.OpenAiEndpoint;
import dev.pacer.sim.FaultProfile;
import dev.pacer.sim.SimServer;
import dev.pacer.sim.Tier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A live batch run whose chain ends with an OpenAI-compatible model: every request answered while every Claude
 * model is overloaded, and its cost counted at the OpenAI model's price. {@code --via batches} cannot reach
 * another provider, so it is refused at start with that chain; {@code --via auto} runs live calls instead.
 */
class ProviderFallbackRunTest {

    @TempDir
    Path dir;

    @Test
    void aStormOnEveryClaudeModelIsAnsweredByTheOpenAiFallbackInTheAnthropicShape() throws Exception {
        try (SimServer sim = SimServer.builder().tier(Tier.TIER_2).timeScale(60).seed(5).start()) {
            sim.setFaults(FaultProfile.NONE.withOverloaded(1.0));
            Runs runs = new Runs(sim, dir);
            runs.fallback = List.of("claude-haiku-4-5");
            runs.providerFallbacks = List.of(OpenAiEndpoint.of("gpt-4o-mini", sim.baseUrl() + "/v1", "sk-openai-batch-key"));
            Path in = runs.input("in.jsonl", 20, 4, 30);
            Path out = dir.resolve("out.jsonl");
            BatchRunner.Summary s = new BatchRunner(runs.options(in, out)).run();
            assertThat(s.ending()).isEqualTo(BatchRunner.Ending.DONE);
            List<String> lines = Files.readAllLines(out).stream().filter(l -> !l.isBlank()).toList();
            assertThat(lines).hasSize(20);
            double usd = 0;
            for (String line : lines) {
                usd += Prices.defaults().cost("gpt-4o-mini", Usage.of(Runs.json(line).path("result").path("message").path("usage")), false);
            }
            assertThat(usd).isPositive();
            assertThat(s.costUsd()).as("the cost report counts the OpenAI answers at gpt-4o-mini's price").isCloseTo(usd,
                    org.assertj.core.data.Offset.offset(1e-9));
            for (String line : lines) {
                JsonNode r = Runs.json(line);
                assertThat(r.path("result").path("type").asText()).isEqualTo("succeeded");
                assertThat(r.path("result").path("message").path("type").asText()).isEqualTo("message");
                assertThat(r.path("result").path("message").path("model").asText()).startsWith("claude-");
                assertThat(r.path("pacer").path("model").asText()).isEqualTo("gpt-4o-mini");
            }
            assertThat(sim.chatStats().succeeded()).isEqualTo(20);
            assertThat(sim.chatStats().rateLimited()).isZero();
            assertThat(runs.printed()).doesNotContain("sk-openai-batch-key");
        }
    }

    @Test
    void viaBatchesWithAnOpenAiFallbackIsRefusedAtStartAndAutoRunsLiveCalls() throws Exception {
        try (SimServer sim = SimServer.builder().limits(100_000, 10_000_000, 2_000_000).timeScale(60).seed(6).start()) {
            Runs runs = new Runs(sim, dir);
            runs.providerFallbacks = List.of(OpenAiEndpoint.of("gpt-4o-mini", sim.baseUrl() + "/v1", "sk-openai-batch-key"));
            Path in = runs.input("in.jsonl", 6, 0, 20);
            runs.via = RunOptions.Via.BATCHES;
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> new BatchRunner(runs.options(in, dir.resolve("b.jsonl"))).run())
                    .isInstanceOf(BatchException.class)
                    .hasMessage("--via batches cannot fall back to openai:gpt-4o-mini: the Message Batches API runs on Anthropic's side"
                            + " only; use --via messages, or remove the openai: entries from the fallback chain.");
            assertThat(sim.snapshot().requests()).as("nothing was sent").isZero();
            assertThat(dir.resolve("b.jsonl")).doesNotExist();

            runs.via = RunOptions.Via.AUTO; // this many requests and no deadline would go through the Batches API
            Path many = runs.input("many.jsonl", RunOptions.AUTO_BATCHES_FROM, 0, 1);
            BatchRunner.Summary s = new BatchRunner(runs.options(many, dir.resolve("a.jsonl"))).run();
            assertThat(s.via()).isEqualTo("messages");
            assertThat(s.succeeded()).isEqualTo(RunOptions.AUTO_BATCHES_FROM);
            assertThat(sim.snapshot().batches().created()).isZero();
            assertThat(runs.printed()).contains("--via auto: live Messages calls, since the fallback chain ends with openai:gpt-4o-mini");
        }
    }
}
