package dev.pacer.micrometer.functional;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pacer.Pacer;
import dev.pacer.anthropic.AnthropicPacer;
import dev.pacer.anthropic.CallOptions;
import dev.pacer.micrometer.PacerMetrics;
import dev.pacer.sim.FaultProfile;
import dev.pacer.sim.SimServer;
import dev.pacer.time.ScaledClock;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The meters docs/architecture.md lists, and the series the Grafana dashboard queries, are what a run
 * with overloads, fallbacks and 429s really registers: neither document can name a meter that does not exist.
 */
class DocumentedMetersTest {

    private static final double SCALE = 60;
    private static final String KEY = "sk-ant-documented-meters";

    @Test
    void everyDocumentedMeterAndEveryDashboardSeriesExistsAfterARealRun() throws Exception {
        try (SimServer sim = SimServer.builder().limits(40, 400_000, 80_000).timeScale(SCALE).seed(51).start()) {
            double now = sim.clock().seconds();
            sim.setFaults(FaultProfile.NONE.withStorms(List.of(new FaultProfile.Storm(now, now + 36_000, 1.0, "opus"))));
            ScaledClock clock = new ScaledClock(sim.clock().now(), SCALE);
            Pacer pacer = Pacer.builder().clock(clock).scheduler(clock).build();
            PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
            try (AnthropicPacer claude = AnthropicPacer.builder().baseUrl(sim.baseUrl()).apiKey(KEY).pacer(pacer)
                    .fallbackModels(List.of("claude-sonnet-4-5")).build();
                 PacerMetrics metrics = PacerMetrics.builder().prices(dev.pacer.batch.Prices.defaults()::ofAnswer).bind(claude, registry)) {
                Traffic.join(Traffic.calls(claude, "claude-opus-4-5", 12, CallOptions.defaults())); // 529s, retries, fallbacks, breakers
                Traffic.join(Traffic.calls(claude, "claude-haiku-4-5", 3, CallOptions.defaults()));  // learns the haiku pool's limits
                try (Traffic.Flood flood = new Traffic.Flood(sim.baseUrl(), KEY, "claude-haiku-4-5", 2).untilRateLimited()) {
                    Traffic.join(Traffic.calls(claude, "claude-haiku-4-5", 6, CallOptions.defaults())); // 429s and pauses
                }
                Set<String> registered = registry.getMeters().stream().map(m -> m.getId().getName()).collect(Collectors.toCollection(TreeSet::new));
                Set<String> documented = new TreeSet<>();
                Matcher row = Pattern.compile("(?m)^\\| `(pacer\\.[a-z.]+)` \\|").matcher(Files.readString(Path.of("../docs/architecture.md")));
                while (row.find()) {
                    documented.add(row.group(1));
                }
                assertThat(documented).as("meters listed in docs/architecture.md").hasSizeGreaterThanOrEqualTo(20);
                // A stream that breaks off, and a retry budget spent before the breaker opens, are not part of this
                // run (the second depends on timing); every other meter must exist after it.
                // The Redis store's meters are pacer-redis's (RedisStoreMeters, tested there against a killed redis-server).
                Set<String> notHere = Set.of("pacer.streams.interrupted", "pacer.retry.budget.exhausted", "pacer.redis.degraded",
                        "pacer.redis.outages");
                assertThat(registered).containsAll(documented.stream().filter(n -> !notHere.contains(n)).toList());
                assertThat(documented).as("every meter registered is documented").containsAll(registered.stream()
                        .filter(n -> n.startsWith("pacer.")).toList());

                Set<String> scraped = Scrape.parse(registry.scrape()).samples().stream().map(Scrape.Sample::name).collect(Collectors.toSet());
                Set<String> queried = new TreeSet<>();
                Matcher series = Pattern.compile("pacer_[a-z_]+").matcher(Files.readString(Path.of("../docs/grafana/pacer.json")));
                while (series.find()) {
                    queried.add(series.group());
                }
                assertThat(queried).as("series the dashboard queries").hasSizeGreaterThanOrEqualTo(15);
                assertThat(scraped).containsAll(queried);
            }
        }
    }
}
