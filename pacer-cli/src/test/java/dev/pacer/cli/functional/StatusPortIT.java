package dev.pacer.cli.functional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pacer.sim.FaultProfile;
import dev.pacer.sim.SimServer;
import dev.pacer.sim.Tier;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code pacer batch run --status-port N} (the real jar, its own process) serves the page, the document and the metrics while it runs. */
class StatusPortIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path JAR = Path.of("target", "pacer.jar");

    @TempDir
    Path dir;

    private final HttpClient http = HttpClient.newHttpClient();

    private HttpResponse<String> get(int port, String path, String accept) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path));
        if (accept != null) {
            b.header("Accept", accept);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    @Test
    void whileTheJobRunsItsStatusAndMetricsAreServedOnLocalhostAndTheyMatchTheSimulator() throws Exception {
        try (SimServer sim = SimServer.builder().tier(Tier.TIER_1).timeScale(10).seed(41).faults(FaultProfile.NONE.withOverloaded(0.1)).start()) {
            List<String> lines = new ArrayList<>();
            for (int i = 1; i <= 160; i++) {
                lines.add("{\"custom_id\":\"q-" + i + "\",\"params\":{\"model\":\"claude-sonnet-4-5\",\"max_tokens\":200,"
                        + "\"metadata\":{\"user_id\":\"sim:output_tokens=30\"},\"messages\":[{\"role\":\"user\",\"content\":\"Question " + i + "\"}]}}");
            }
            Path input = Files.write(dir.resolve("requests.jsonl"), lines);
            int port = freePort();
            ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar", JAR.toString(),
                    "batch", "run", input.toString(), "-o", dir.resolve("results.jsonl").toString(), "--base-url", sim.baseUrl(),
                    "--progress", "log", "--status-port", Integer.toString(port))
                    .redirectErrorStream(true).redirectOutput(dir.resolve("run.log").toFile());
            pb.environment().put("ANTHROPIC_API_KEY", "sk-ant-status-port-key");
            Process run = pb.start();
            try {
                JsonNode doc = awaitAnswers(port, run);
                long simRequests = sim.snapshot().requests();
                assertThat(run.isAlive()).as("still running").isTrue();
                long answers = doc.path("last_15_minutes").path("responses").asLong();
                assertThat(answers).isPositive().isLessThanOrEqualTo(simRequests);
                JsonNode pool = doc.path("pools").get(0);
                assertThat(pool.path("pool").asText()).endsWith(":sonnet-4").doesNotContain("sk-ant");
                assertThat(pool.path("waiting").path("bulk").asInt() + pool.path("in_flight").asInt()).as("work left while it runs").isPositive();

                HttpResponse<String> metrics = get(port, "/metrics", null);
                assertThat(metrics.headers().firstValue("content-type").orElse("")).startsWith("text/plain; version=0.0.4");
                assertThat(metrics.body()).contains("pacer_upstream_responses_total{").contains("jvm_memory_used_bytes{")
                        .doesNotContain("sk-ant-status-port-key");
                double scraped = metrics.body().lines().filter(l -> l.startsWith("pacer_upstream_responses_total{"))
                        .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
                assertThat(scraped).isGreaterThanOrEqualTo(answers).isLessThanOrEqualTo(sim.snapshot().requests());
                double cost = metrics.body().lines().filter(l -> l.startsWith("pacer_cost_usd_total{") && l.contains("model=\"sonnet-4\""))
                        .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
                assertThat(cost).as("the answers' cost so far, at the list prices").isPositive();
                assertThat(get(port, "/metrics", "application/openmetrics-text").body()).endsWith("# EOF\n");
                HttpResponse<String> page = get(port, "/status", null);
                assertThat(page.statusCode()).isEqualTo(200);
                assertThat(page.body()).contains("<title>Pacer status</title>");

                assertThat(run.waitFor(300, TimeUnit.SECONDS)).as("the run ends").isTrue();
                assertThat(run.exitValue()).as(Files.readString(dir.resolve("run.log"))).isZero();
                assertThat(Files.readString(dir.resolve("run.log"))).contains("Status: http://127.0.0.1:" + port + "/status");
                assertThatThrownBy(() -> get(port, "/status.json", null)).as("the port closes with the job").isInstanceOf(IOException.class);
            } finally {
                run.destroyForcibly();
            }
        }
    }

    /** The document once it shows answers (503 until the run has built its engine). */
    private JsonNode awaitAnswers(int port, Process run) throws Exception {
        Instant until = Instant.now().plusSeconds(120);
        while (Instant.now().isBefore(until) && run.isAlive()) {
            try {
                HttpResponse<String> r = get(port, "/status.json", null);
                if (r.statusCode() == 200) {
                    JsonNode doc = JSON.readTree(r.body());
                    if (doc.path("last_15_minutes").path("responses").asLong() > 20) {
                        return doc;
                    }
                } else {
                    assertThat(r.statusCode()).isEqualTo(503);
                    assertThat(JSON.readTree(r.body()).path("type").asText()).isEqualTo("error");
                }
            } catch (IOException notYet) {
                // the port opens once the flags are checked
            }
            Thread.sleep(50);
        }
        throw new AssertionError("status.json never showed answers; the run said:\n" + Files.readString(dir.resolve("run.log")));
    }
}
