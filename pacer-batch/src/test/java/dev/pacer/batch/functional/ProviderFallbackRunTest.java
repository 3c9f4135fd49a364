package dev.pacer.batch.functional;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.pacer.batch.BatchRunner;
import dev.pacer.openai.OpenAiEndpoint;
import dev.pacer.sim.FaultProfile;
import dev.pacer.sim.SimServer;
import dev.pacer.sim.Tier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A live batch run whose chain ends with an OpenAI-compatible model: every request answered while every Claude model is overloaded. */
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
}
