package dev.pacer.gateway.functional;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pacer.anthropic.ApiKey;
import dev.pacer.sim.FaultProfile;
import dev.pacer.sim.SimServer;
import dev.pacer.sim.SimStats;
import dev.pacer.sim.Tier;
import dev.pacer.status.functional.Chromium;
import dev.pacer.status.functional.RenderedStatus;
import dev.pacer.status.functional.StatusJson;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The gateway's {@code /status} in a real headless browser while clients relay Messages calls through the
 * gateway to a simulator that overloads some of them (those that fall back to Haiku land in Haiku's pool):
 * the figures read from the rendered DOM lie between {@code /status.json} read just before and just after
 * the look while traffic flows, and equal it and the simulator's own counts once quiet. It saves a
 * screenshot of the page under load to target/gateway-status-page.png (docs/gateway-status-page.png is a copy).
 */
class StatusPageThroughGatewayTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    // As in pacer-micrometer's browser test: the whole test stays inside the page's 15-minute window of
    // simulated time on a loaded machine, and a burst of 100 on Tier 1 (50 RPM) queues in the gateway.
    private static final double SCALE = 20;
    private static final String KEY = TestKeys.unique("sk-ant-test-");
    private static final String MESSAGE = "{\"model\":\"claude-sonnet-4-5\",\"max_tokens\":40,\"messages\":[{\"role\":\"user\","
            + "\"content\":\"Say hello.\"}]}";

    @TempDir
    Path dir;

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    private JsonNode statusJson(GatewayFixture fixture) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(fixture.url() + "/status.json")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        return JSON.readTree(r.body());
    }

    /** {@code n} Messages calls through the gateway, all at once; each may wait for admission up to 10 minutes. */
    private List<CompletableFuture<HttpResponse<String>>> calls(GatewayFixture fixture, int n) {
        List<CompletableFuture<HttpResponse<String>>> out = new CopyOnWriteArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(http.sendAsync(HttpRequest.newBuilder(URI.create(fixture.url() + "/v1/messages")).header("x-api-key", KEY)
                    .header("anthropic-version", "2023-06-01").header("content-type", "application/json")
                    .header("x-pacer-deadline-ms", "600000").POST(HttpRequest.BodyPublishers.ofString(MESSAGE)).build(),
                    HttpResponse.BodyHandlers.ofString()));
        }
        return out;
    }

    private static void join(List<CompletableFuture<HttpResponse<String>>> calls) {
        for (CompletableFuture<HttpResponse<String>> c : calls) {
            assertThat(c.join().statusCode()).as("every call through the gateway is answered 200").isEqualTo(200);
        }
    }

    @Test
    void theRenderedPageShowsTheGatewaysLiveFiguresAndTheSimulatorsCounts() throws Exception {
        Chromium chromium = new Chromium(Files.createDirectories(dir.resolve("profile")));
        Chromium.executable(); // fails at once, saying how to install it, when there is none
        SimServer simulator = SimServer.builder().tier(Tier.TIER_1).timeScale(SCALE).seed(37)
                .faults(FaultProfile.NONE.withOverloaded(0.12)).start();
        try (GatewayFixture fixture = new GatewayFixture(simulator, b -> b.fallbackModels(List.of("claude-haiku-4-5")))) {
            SimServer sim = fixture.sim;
            String page = fixture.url() + "/status?interval=250";
            String sonnet = "anthropic:" + ApiKey.of(KEY).fingerprint() + ":sonnet-4";

            // 1. While traffic flows (a burst, then a call every 100 ms until the look is over, however long the browser
            // takes): what the page shows lies between what the document said just before and just after the look.
            List<CompletableFuture<HttpResponse<String>>> wave = new CopyOnWriteArrayList<>(calls(fixture, 100));
            AtomicBoolean looking = new AtomicBoolean(true);
            Thread trickle = Thread.ofVirtual().start(() -> {
                while (looking.get()) {
                    wave.addAll(calls(fixture, 1));
                    try {
                        Thread.sleep(100);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            });
            awaitResponses(fixture, 10);
            JsonNode before = statusJson(fixture);
            RenderedStatus flowing = RenderedStatus.parse(chromium.dumpDom(page, 2_000));
            JsonNode after = statusJson(fixture);
            SimStats simAfter = sim.snapshot();
            looking.set(false);
            trickle.join();
            assertThat(StatusJson.responses(after)).as("answers came in during the look").isGreaterThan(StatusJson.responses(before));
            assertThat(flowing.refreshes()).as("the page polled status.json").isPositive();
            assertThat(flowing.responses()).isBetween(StatusJson.responses(before), StatusJson.responses(after)).isLessThanOrEqualTo(simAfter.requests());
            assertThat(flowing.overloaded()).isBetween(StatusJson.overloaded(before), StatusJson.overloaded(after)).isLessThanOrEqualTo(simAfter.responses(529));
            RenderedStatus.Pool pool = flowing.pools().get(sonnet);
            assertThat(pool).as("the sonnet pool's card").isNotNull();
            assertThat(pool.limit()).containsEntry("requests", 50.0); // Tier 1, learned from the headers through the gateway
            assertThat(pool.responses()).isBetween(StatusJson.responses(before, sonnet), StatusJson.responses(after, sonnet));

            // 2. Quiet: the page, the document and the simulator agree exactly (looked at again, up to ten times, while
            // a last answer is still being counted on one side).
            join(wave);
            RenderedStatus quiet = null;
            JsonNode doc = null;
            SimStats stats = null;
            for (int look = 0; look < 10; look++) {
                awaitSettled(fixture, sim);
                quiet = RenderedStatus.parse(chromium.dumpDom(page, 2_000));
                doc = statusJson(fixture);
                stats = sim.snapshot();
                if (quiet.responses() == StatusJson.responses(doc) && StatusJson.responses(doc) == stats.requests() && quiet.overloaded() == StatusJson.overloaded(doc)
                        && StatusJson.poolsAgree(quiet, doc)) {
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
            assertThat(quietPool.responses()).isEqualTo(StatusJson.responses(doc, sonnet)).isPositive();
            assertThat(StatusJson.poolsAgree(quiet, doc)).as("every pool's card shows the document's count").isTrue();
            assertThat(StatusJson.pooledResponses(doc)).as("the pools together, fallbacks to Haiku included").isEqualTo(stats.requests());

            // 3. More traffic, and a screenshot of the page under load.
            List<CompletableFuture<HttpResponse<String>>> second = calls(fixture, 100);
            awaitResponses(fixture, StatusJson.responses(doc) + 10);
            Path png = Path.of("target", "gateway-status-page.png");
            chromium.screenshot(page, png, 1280, 1100, 2_000);
            RenderedStatus later = RenderedStatus.parse(chromium.dumpDom(page, 1_000));
            assertThat(later.responses()).as("the figures move as traffic flows").isGreaterThan(quiet.responses());
            assertThat(Files.size(png)).isGreaterThan(10_000);
            join(second);
            assertThat(chromium.dumpDom(page, 1_000)).doesNotContain(KEY).doesNotContain("sk-ant");
        }
    }

    private void awaitResponses(GatewayFixture fixture, long atLeast) throws Exception {
        Instant until = Instant.now().plusSeconds(60);
        while (StatusJson.responses(statusJson(fixture)) < atLeast && Instant.now().isBefore(until)) {
            Thread.sleep(20);
        }
    }

    /** The simulator counts an answer as it writes it: wait until both sides have counted the last one. */
    private void awaitSettled(GatewayFixture fixture, SimServer sim) throws Exception {
        Instant until = Instant.now().plusSeconds(10);
        while (StatusJson.responses(statusJson(fixture)) != sim.snapshot().requests() && Instant.now().isBefore(until)) {
            Thread.sleep(20);
        }
    }
}
