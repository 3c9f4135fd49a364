package dev.pacer.gateway.functional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pacer.sim.ModelClass;
import dev.pacer.sim.SimServer;
import dev.pacer.sim.Tier;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The official Node SDK ({@code @anthropic-ai/sdk} from npm, pinned by the committed lockfile and
 * installed by {@code npm ci}, which {@code .ci/run} does) through the gateway to the simulator,
 * unmodified but for its base URL: a message, a stream, count_tokens, a batch and its results, and a
 * 429 from the gateway that the SDK's own retry gets through. Skipped, saying so, only when
 * {@code node} is not installed.
 */
class NodeSdkThroughGatewayTest {

    private static final Path PACKAGE = Path.of("src", "test", "node");

    @Test
    void theNodeSdkWorksUnmodifiedThroughTheGateway() throws Exception {
        assumeTrue(onPath("node"), "node is not installed: the Node SDK test needs Node.js 18 or newer on the PATH (apt-get install nodejs)");
        if (!Files.isDirectory(PACKAGE.resolve("node_modules/@anthropic-ai/sdk"))) {
            assertThat(new ProcessBuilder("npm", "ci", "--no-audit", "--no-fund").directory(PACKAGE.toFile()).inheritIO().start()
                    .waitFor()).as("npm ci in " + PACKAGE).isZero();
        }
        // Opus paced to one request per simulated minute (3 s at 20x), so the script's impatient second call gets the gateway's 429.
        SimServer sim = SimServer.builder().tier(Tier.TIER_2).timeScale(20).configure(s -> s.batches(300, 100_000)
                .modelClass(new ModelClass("opus-4", 1, 450_000, 90_000, false))).start();
        try (GatewayFixture fixture = new GatewayFixture(sim, b -> { })) {
            ProcessBuilder pb = new ProcessBuilder("node", "through-gateway.mjs").directory(PACKAGE.toFile()).redirectErrorStream(true);
            pb.environment().put("ANTHROPIC_BASE_URL", fixture.url());
            pb.environment().put("ANTHROPIC_API_KEY", "sk-ant-test-node-sdk");
            Process p = pb.start();
            String out;
            try {
                assertThat(p.waitFor(120, TimeUnit.SECONDS)).as("the script ends").isTrue();
                out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            } finally {
                p.destroyForcibly();
            }
            assertThat(p.exitValue()).as(out).isZero();
            JsonNode r = new ObjectMapper().readTree(out.substring(out.lastIndexOf('\n') + 1));
            assertThat(r.path("message").path("type").asText()).isEqualTo("message");
            assertThat(r.path("message").path("text").asBoolean()).isTrue();
            assertThat(r.path("stream").path("first").asText()).isEqualTo("message_start");
            assertThat(r.path("stream").path("last").toString()).isEqualTo("[\"message_delta\",\"message_stop\"]");
            assertThat(r.path("countTokens").path("matches").asBoolean()).isTrue();
            assertThat(r.path("batch").path("status").asText()).isEqualTo("ended");
            assertThat(r.path("batch").path("resultsUrl").asText()).as("the download goes through the gateway too").startsWith(fixture.url());
            assertThat(r.path("batch").path("results").toString()).isEqualTo("[\"succeeded\",\"succeeded\",\"succeeded\"]");
            assertThat(r.path("retried").path("status").asInt()).isEqualTo(200);
            assertThat(fixture.log).anyMatch(l -> l.startsWith("POST /v1/messages ") && l.contains(" 429 "));
            assertThat(fixture.sim.maxWindowOveradmission()).isZero();
        }
    }

    private static boolean onPath(String command) {
        try {
            return new ProcessBuilder(command, "--version").redirectErrorStream(true).start().waitFor() == 0;
        } catch (Exception e) {
            return false;
        }
    }
}
