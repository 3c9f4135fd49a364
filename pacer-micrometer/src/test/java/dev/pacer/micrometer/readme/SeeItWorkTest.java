package dev.pacer.micrometer.readme;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pacer.anthropic.AnthropicPacer;
import dev.pacer.anthropic.CallOptions;
import dev.pacer.micrometer.functional.Scrape;
import dev.pacer.micrometer.functional.Traffic;
import dev.pacer.sim.SimServer;
import dev.pacer.sim.Tier;
import dev.pacer.status.StatusServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The README's metrics example is {@link SeeItWork}, word for word: it compiles, runs against the simulator, and the README shows exactly it. */
class SeeItWorkTest {

    @Test
    void theExampleServesMetricsAndTheStatusPage() throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        try (SimServer sim = SimServer.builder().tier(Tier.TIER_1).seed(3).start();
             AnthropicPacer claude = AnthropicPacer.builder().baseUrl(sim.baseUrl()).apiKey("sk-ant-readme").build();
             StatusServer server = SeeItWork.metricsAndStatus(claude, 0)) {
            claude.messages(Traffic.params("claude-sonnet-4-5", 10), CallOptions.defaults()).join();
            String metrics = http.send(HttpRequest.newBuilder(URI.create(server.baseUrl() + "/metrics")).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
            assertThat(Scrape.parse(metrics).sum("pacer_calls_total", "outcome", "success", "model", "sonnet-4")).isEqualTo(1);
            String status = http.send(HttpRequest.newBuilder(URI.create(server.baseUrl() + "/status.json")).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
            assertThat(status).contains("\"responses\" : 1").doesNotContain("sk-ant-readme");
        }
    }

    @Test
    void theReadmeShowsExactlyTheCompiledExample() throws Exception {
        String source = Files.readString(Path.of("src/test/java/dev/pacer/micrometer/readme/SeeItWork.java"));
        String example = source.substring(source.indexOf("// README:start\n") + "// README:start\n".length(),
                source.indexOf("// README:end")).strip();
        String readme = Files.readString(Path.of("../README.md"));
        int section = readme.indexOf("### See it work: metrics and the status page");
        assertThat(section).as("README has a 'See it work' section").isGreaterThanOrEqualTo(0);
        int start = readme.indexOf("```java\n", section) + "```java\n".length();
        String shown = readme.substring(start, readme.indexOf("```", start)).strip();
        assertThat(shown).as("README's metrics example = SeeItWork.java between the README markers").isEqualTo(example);
    }
}
