package dev.pacer.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pacer.anthropic.ModelClasses;
import dev.pacer.batch.BatchRunner;
import dev.pacer.batch.Prices;
import dev.pacer.batch.RunOptions;
import dev.pacer.sim.SimServer;
import dev.pacer.sim.Tier;
import dev.pacer.time.ScaledClock;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code batch run --status-port}: {@code /metrics} has {@code pacer_cost_usd_total} per model class while the job
 * runs, and once it is done each class's cost is the tokens of its results times its price, as the run's own
 * summary counts it. The port is wired to the runner as the command wires it ({@link StatusPort#follow}).
 */
class StatusPortCostTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private final HttpClient http = HttpClient.newHttpClient();

    @Test
    void metricsShowTheRunsCostPerModelClassWhileItRunsAndWhenItEnds() throws Exception {
        try (SimServer sim = SimServer.builder().tier(Tier.TIER_1).timeScale(30).seed(43).start()) {
            List<String> lines = new ArrayList<>();
            for (int i = 1; i <= 120; i++) {
                String model = i % 3 == 0 ? "claude-haiku-4-5" : "claude-sonnet-4-5";
                lines.add("{\"custom_id\":\"q-" + i + "\",\"params\":{\"model\":\"" + model + "\",\"max_tokens\":64,"
                        + "\"metadata\":{\"user_id\":\"sim:output_tokens=" + (10 + i % 7) + "\"},"
                        + "\"messages\":[{\"role\":\"user\",\"content\":\"Question " + i + ": what is a token bucket?\"}]}}");
            }
            Path input = Files.write(dir.resolve("requests.jsonl"), lines);
            Path output = dir.resolve("results.jsonl");
            ScaledClock clock = new ScaledClock(sim.clock().now(), sim.settings().timeScale());
            String key = "sk-ant-test-" + HexFormat.of().formatHex(new SecureRandom().generateSeed(8));
            RunOptions options = new RunOptions(input, output, RunOptions.Via.MESSAGES, sim.baseUrl(), key, List.of(), null, null, false,
                    false, null, null, Duration.ofSeconds(10), Map.of(), clock, clock, new PrintStream(OutputStream.nullOutputStream()), false,
                    Prices.defaults(), Duration.ofMillis(200), false, false);
            int port = freePort();
            try (StatusPort status = StatusPort.open("127.0.0.1", port, options.prices())) {
                BatchRunner runner = new BatchRunner(options);
                status.follow(runner);
                CompletableFuture<BatchRunner.Summary> run = CompletableFuture.supplyAsync(runner::run);
                double seenWhileRunning = 0;
                while (!run.isDone()) {
                    String metrics = metrics(port);
                    if (!run.isDone()) {
                        seenWhileRunning = Math.max(seenWhileRunning, sum(metrics, "pacer_cost_usd_total{", ""));
                    }
                    Thread.sleep(100);
                }
                BatchRunner.Summary summary = run.join();
                assertThat(summary.succeeded()).isEqualTo(120);

                Map<String, Double> expected = expected(output);
                assertThat(expected).containsOnlyKeys("haiku-4-5", "sonnet-4");
                String metrics = metrics(port);
                double total = 0;
                for (Map.Entry<String, Double> e : expected.entrySet()) {
                    assertThat(e.getValue()).isPositive();
                    double scraped = sum(metrics, "pacer_cost_usd_total{", "model=\"" + e.getKey() + "\"");
                    assertThat(scraped).as("pacer_cost_usd_total for " + e.getKey()).isCloseTo(e.getValue(), Offset.offset(1e-12));
                    total += scraped;
                }
                assertThat(total).as("the run's own tally").isCloseTo(summary.costUsd(), Offset.offset(1e-9));
                // Not "less than the total": a scrape after the last answer, while the run closes, already shows all of it.
                assertThat(seenWhileRunning).as("the cost on /metrics while the job ran").isPositive();
                assertThat(metrics).doesNotContain(key);
            }
        }
    }

    /** Per model class: each result's tokens (by its usage) times its model's price. */
    private static Map<String, Double> expected(Path results) throws IOException {
        Prices prices = Prices.defaults();
        Map<String, Double> usd = new HashMap<>();
        for (String line : Files.readAllLines(results)) {
            JsonNode message = JSON.readTree(line).path("result").path("message");
            String modelClass = ModelClasses.defaults().classOf(message.path("model").asText());
            JsonNode u = message.path("usage");
            Prices.Price p = prices.of(modelClass);
            usd.merge(modelClass, (u.path("input_tokens").asLong() * p.input() + u.path("cache_creation_input_tokens").asLong() * p.input() * 1.25
                    + u.path("cache_read_input_tokens").asLong() * p.cacheRead() + u.path("output_tokens").asLong() * p.output()) / 1e6,
                    Double::sum);
        }
        return usd;
    }

    private String metrics(int port) throws IOException, InterruptedException {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics")).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        return r.statusCode() == 200 ? r.body() : ""; // 503 until the run has built its engine
    }

    private static double sum(String exposition, String prefix, String label) {
        double total = 0;
        for (String line : exposition.split("\n")) {
            if (line.startsWith(prefix) && line.contains(label)) {
                total += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return total;
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
