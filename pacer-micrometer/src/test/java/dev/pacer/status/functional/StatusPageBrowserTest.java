package dev.pacer.status.functional;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pacer.Pacer;
import dev.pacer.anthropic.AnthropicPacer;
import dev.pacer.anthropic.ApiKey;
import dev.pacer.anthropic.CallOptions;
import dev.pacer.micrometer.PacerMetrics;
import dev.pacer.micrometer.functional.Traffic;
import dev.pacer.sim.FaultProfile;
import dev.pacer.sim.SimServer;
import dev.pacer.sim.SimStats;
import dev.pacer.sim.Tier;
import dev.pacer.status.PacerStatus;
import dev.pacer.status.StatusEndpoints;
import dev.pacer.status.StatusServer;
import dev.pacer.time.ScaledClock;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The status page in a real headless browser while Pacer's client sends to the simulator: the figures
 * read from the rendered DOM are checked against /status.json and the simulator's own counts, while
 * traffic flows (bracketed by what was known just before and just after the look) and once it is
 * quiet (equal), and they change as more traffic flows. It saves a screenshot of the page under load
 * to target/status-page.png (docs/status-page.png is a copy).
 */
class StatusPageBrowserTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    // Fast enough that the whole test, browser looks included, stays inside the page's 15-minute window of
    // simulated time on a loaded machine; slow enough that a burst of 100 on Tier 1 (50 RPM) queues.
    private static final double SCALE = 20;
    private static final String KEY = "sk-ant-browser-test-key";

    @TempDir
    Path dir;

    private final HttpClient http = HttpClient.newHttpClient();

    private JsonNode statusJson(StatusServer server) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(server.baseUrl() + "/status.json")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        return JSON.readTree(r.body());
    }

    @Test
    void theRenderedPageShowsTheLiveFiguresOfStatusJsonAndTheSimulator() throws Exception {
        Chromium chromium = new Chromium(Files.createDirectories(dir.resolve("profile")));
        try (SimServer sim = SimServer.builder().tier(Tier.TIER_1).timeScale(SCALE).seed(31)
                .faults(FaultProfile.NONE.withOverloaded(0.12)).start()) {
            ScaledClock clock = new ScaledClock(sim.clock().now(), SCALE);
            Pacer pacer = Pacer.builder().clock(clock).scheduler(clock).build();
            PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
            try (AnthropicPacer claude = AnthropicPacer.builder().baseUrl(sim.baseUrl()).apiKey(KEY).pacer(pacer)
                    .fallbackModels(List.of("claude-haiku-4-5")).build();
                 PacerMetrics metrics = PacerMetrics.bind(claude, registry);
                 PacerStatus status = PacerStatus.watch(claude);
                 StatusServer server = StatusServer.start(StatusEndpoints.of(status, StatusEndpoints.prometheus(registry)), "127.0.0.1", 0)) {
                String page = server.baseUrl() + "/status?interval=250";
                String sonnet = "anthropic:" + ApiKey.of(KEY).fingerprint() + ":sonnet-4";

                // 1. While traffic flows (a burst, then a call every 100 ms until the look is over, however long the
                // browser takes on a loaded machine): what the page shows lies between what was known just before
                // and just after the look.
                List<CompletableFuture<?>> wave = new java.util.concurrent.CopyOnWriteArrayList<>(
                        Traffic.calls(claude, "claude-sonnet-4-5", 100, CallOptions.defaults()));
                java.util.concurrent.atomic.AtomicBoolean looking = new java.util.concurrent.atomic.AtomicBoolean(true);
                Thread trickle = Thread.ofVirtual().start(() -> {
                    while (looking.get()) {
                        wave.addAll(Traffic.calls(claude, "claude-sonnet-4-5", 1, CallOptions.defaults()));
                        try {
                            Thread.sleep(100);
                        } catch (InterruptedException e) {
                            return;
                        }
                    }
                });
                awaitResponses(server, 10);
                JsonNode before = statusJson(server);
                RenderedStatus flowing = RenderedStatus.parse(chromium.dumpDom(page, 2_000));
                JsonNode after = statusJson(server);
                SimStats simAfter = sim.snapshot();
                looking.set(false);
                trickle.join();
                assertThat(StatusJson.responses(after)).as("answers came in during the look").isGreaterThan(StatusJson.responses(before));
                assertThat(flowing.refreshes()).as("the page polled status.json").isPositive();
                assertThat(flowing.responses()).isBetween(StatusJson.responses(before), StatusJson.responses(after)).isLessThanOrEqualTo(simAfter.requests());
                assertThat(flowing.overloaded()).isBetween(StatusJson.overloaded(before), StatusJson.overloaded(after))
                        .isLessThanOrEqualTo(simAfter.responses(529));
                RenderedStatus.Pool pool = flowing.pools().get(sonnet);
                assertThat(pool).as("the pool's card").isNotNull();
                assertThat(pool.limit()).containsEntry("requests", 50.0); // Tier 1, learned from the headers
                assertThat(pool.level().get("requests")).isBetween(-50.0, 50.0);
                assertThat(pool.responses()).isBetween(StatusJson.responses(before, sonnet), StatusJson.responses(after, sonnet));

                // 2. Quiet: the page, the document and the simulator agree exactly.
                Traffic.join(wave);
                awaitSettled(server, sim);
                // Quiet is when the three agree on two looks in a row; a last answer still being counted (seen once:
                // the page one behind the document) is waited out, up to ten looks, and then the checks below fail.
                RenderedStatus quiet = null;
                JsonNode doc = null;
                SimStats stats = null;
                for (int look = 0; look < 10; look++) {
                    quiet = RenderedStatus.parse(chromium.dumpDom(page, 2_000));
                    doc = statusJson(server);
                    stats = sim.snapshot();
                    if (quiet.responses() == StatusJson.responses(doc) && StatusJson.responses(doc) == stats.requests()
                            && quiet.overloaded() == StatusJson.overloaded(doc) && StatusJson.poolsAgree(quiet, doc)) {
                        break;
                    }
                    Thread.sleep(200);
                }
                assertThat(quiet.responses()).isEqualTo(StatusJson.responses(doc)).isEqualTo(stats.requests()).isGreaterThan(flowing.responses());
                assertThat(quiet.overloaded()).isEqualTo(StatusJson.overloaded(doc)).isEqualTo(stats.responses(529)).isPositive();
                assertThat(quiet.rateLimited()).isEqualTo(doc.path("last_15_minutes").path("rate_limited").asLong())
                        .isEqualTo(stats.responses(429));
                RenderedStatus.Pool quietPool = quiet.pools().get(sonnet);
                assertThat(quietPool.waitingNormal()).isZero();
                assertThat(quietPool.inFlight()).isZero();
                assertThat(quietPool.reserved()).containsEntry("requests", 0.0);
                // A call the simulator overloaded may have ended on the fallback model's pool: per pool, the page and the
                // document agree; summed over the pools, they account for every request the simulator answered.
                assertThat(quietPool.responses()).isEqualTo(StatusJson.responses(doc, sonnet)).isPositive();
                assertThat(StatusJson.poolsAgree(quiet, doc)).as("every pool's card shows the document's count").isTrue();
                assertThat(StatusJson.pooledResponses(doc)).isEqualTo(stats.requests());

                // 3. More traffic, and a screenshot of the page under load.
                List<CompletableFuture<?>> second = Traffic.calls(claude, "claude-sonnet-4-5", 100, CallOptions.defaults());
                awaitResponses(server, StatusJson.responses(doc) + 10);
                Path png = Path.of("target", "status-page.png");
                chromium.screenshot(page, png, 1280, 1100, 2_000);
                RenderedStatus later = RenderedStatus.parse(chromium.dumpDom(page, 1_000));
                assertThat(later.responses()).as("the figures move as traffic flows").isGreaterThan(quiet.responses());
                assertThat(Files.size(png)).isGreaterThan(10_000);
                Traffic.join(second);
                String dom = chromium.dumpDom(page, 1_000);
                assertThat(dom).doesNotContain(KEY).doesNotContain("sk-ant");
            }
        }
    }

    private void awaitResponses(StatusServer server, long atLeast) throws Exception {
        Instant until = Instant.now().plusSeconds(60);
        while (StatusJson.responses(statusJson(server)) < atLeast && Instant.now().isBefore(until)) {
            Thread.sleep(20);
        }
    }

    /** The simulator counts an answer as it writes it: wait until both sides have counted the last one. */
    private void awaitSettled(StatusServer server, SimServer sim) throws Exception {
        Instant until = Instant.now().plusSeconds(10);
        while (StatusJson.responses(statusJson(server)) != sim.snapshot().requests() && Instant.now().isBefore(until)) {
            Thread.sleep(20);
        }
    }
}
