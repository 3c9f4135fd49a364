package dev.pacer.batch.functional;

import dev.pacer.batch.DailyWindow;
import dev.pacer.batch.Prices;
import dev.pacer.batch.RunOptions;
import dev.pacer.quota.Dimension;
import dev.pacer.quota.Limit;
import dev.pacer.sim.SimServer;
import dev.pacer.time.ScaledClock;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Options for runs against an in-process simulator, on a clock at the simulator's scale. */
final class Runs {

    final SimServer sim;
    final Path dir;
    final ByteArrayOutputStream printed = new ByteArrayOutputStream();
    final ScaledClock clock;
    RunOptions.Via via = RunOptions.Via.MESSAGES;
    Double maxCost;
    Integer concurrency;
    DailyWindow window;
    Duration grace = Duration.ofSeconds(10);
    Duration pollInterval = Duration.ofMillis(200);
    List<String> fallback = List.of();
    Map<String, Map<Dimension, Limit>> limits = Map.of();
    boolean skipInvalid;
    boolean builtIn;
    boolean allowChanged;
    boolean retryErrored;
    List<dev.pacer.openai.OpenAiEndpoint> providerFallbacks = List.of();

    Runs(SimServer sim, Path dir) {
        this.sim = sim;
        this.dir = dir;
        this.clock = new ScaledClock(sim.clock().now(), sim.settings().timeScale());
    }

    RunOptions options(Path input, Path output) {
        return new RunOptions(input, output, via, sim.baseUrl(), "sk-ant-test-key", fallback, maxCost, concurrency, skipInvalid, allowChanged,
                window, null, grace, limits, clock, clock, new PrintStream(printed, true, StandardCharsets.UTF_8), false,
                Prices.defaults(), pollInterval, builtIn, retryErrored, providerFallbacks, null);
    }

    String printed() {
        return printed.toString(StandardCharsets.UTF_8);
    }

    /** {@code n} requests; every {@code haikuEvery}-th is for Haiku (0: none); the simulator answers {@code outputTokens} each. */
    Path input(String name, int n, int haikuEvery, int outputTokens) throws IOException {
        List<String> lines = new ArrayList<>();
        for (int i = 1; i <= n; i++) {
            String model = haikuEvery > 0 && i % haikuEvery == 0 ? "claude-haiku-4-5" : "claude-sonnet-4-5";
            lines.add("{\"custom_id\":\"q-" + i + "\",\"params\":{\"model\":\"" + model + "\",\"max_tokens\":" + Math.max(outputTokens, 16)
                    + ",\"metadata\":{\"user_id\":\"sim:output_tokens=" + outputTokens + "\"},"
                    + "\"messages\":[{\"role\":\"user\",\"content\":\"Question " + i + ": explain token buckets briefly.\"}]}}");
        }
        Path p = dir.resolve(name);
        Files.write(p, lines);
        return p;
    }

    static Map<String, Integer> ids(Path results) throws IOException {
        Map<String, Integer> counts = new HashMap<>();
        if (!Files.exists(results)) {
            return counts;
        }
        for (String line : Files.readAllLines(results)) {
            if (!line.isBlank()) {
                counts.merge(json(line).path("custom_id").asText(), 1, Integer::sum);
            }
        }
        return counts;
    }

    static com.fasterxml.jackson.databind.JsonNode json(String line) throws IOException {
        return new com.fasterxml.jackson.databind.ObjectMapper().readTree(line);
    }

    static long lines(Path results) throws IOException {
        return Files.exists(results) ? Files.readAllLines(results).stream().filter(l -> !l.isBlank()).count() : 0;
    }

    /** Waits (real time) until {@code condition} holds or {@code timeout} passes. */
    static boolean eventually(Duration timeout, java.util.concurrent.Callable<Boolean> condition) throws Exception {
        Instant end = Instant.now().plus(timeout);
        while (Instant.now().isBefore(end)) {
            if (condition.call()) {
                return true;
            }
            Thread.sleep(50);
        }
        return condition.call();
    }
}
