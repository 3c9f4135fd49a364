package dev.pacer.gateway.functional;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pacer.sim.SimServer;
import dev.pacer.sim.Tier;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Many clients at once through one gateway to a Tier-1 simulator, far more than its limits take at
 * once: streaming and plain calls on two model classes, every client allowing a generous deadline.
 * No client sees a 429 (the gateway waits for the quota instead), the simulator's own statistics show
 * that no limit was exceeded in any window, and every stream arrives whole.
 */
class LoadThroughGatewayTest {

    private static final int CLIENTS = 24;
    private static final int CALLS = 120;

    @Test
    void aCrowdIsPacedWithNo429AndNoOveradmissionAndEveryStreamWhole() throws Exception {
        SimServer sim = SimServer.builder().tier(Tier.TIER_1).timeScale(30).seed(11).start();
        try (GatewayFixture fixture = new GatewayFixture(sim, b -> { });
             HttpClient http = HttpClient.newBuilder().executor(Executors.newVirtualThreadPerTaskExecutor()).build();
             ExecutorService clients = Executors.newFixedThreadPool(CLIENTS)) {
            StatusCounts statuses = new StatusCounts();
            AtomicInteger wholeStreams = new AtomicInteger();
            List<Future<?>> done = new ArrayList<>();
            for (int i = 0; i < CALLS; i++) {
                int n = i;
                done.add(clients.submit(() -> {
                    boolean stream = n % 2 == 0;
                    String model = n % 3 == 0 ? "claude-haiku-4-5" : "claude-sonnet-4-5";
                    int output = 40 + (n * 37) % 120;
                    String body = "{\"model\":\"" + model + "\",\"max_tokens\":200," + (stream ? "\"stream\":true," : "")
                            + "\"metadata\":{\"user_id\":\"sim:output_tokens=" + output + "\"},"
                            + "\"messages\":[{\"role\":\"user\",\"content\":\"Request " + n + ": summarise the quota rules.\"}]}";
                    HttpRequest request = HttpRequest.newBuilder(URI.create(fixture.url() + "/v1/messages"))
                            .header("x-api-key", "sk-ant-test-load").header("x-pacer-deadline-ms", "120000")
                            .header("x-pacer-priority", n % 5 == 0 ? "bulk" : "normal")
                            .POST(HttpRequest.BodyPublishers.ofString(body)).build();
                    if (!stream) {
                        HttpResponse<String> r = http.send(request, HttpResponse.BodyHandlers.ofString());
                        statuses.add(r.statusCode());
                        return null;
                    }
                    HttpResponse<java.io.InputStream> r = http.send(request, HttpResponse.BodyHandlers.ofInputStream());
                    statuses.add(r.statusCode());
                    String last = null;
                    try (BufferedReader in = new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8))) {
                        for (String line; (line = in.readLine()) != null; ) {
                            if (line.startsWith("event: ")) {
                                last = line.substring(7);
                            }
                        }
                    }
                    if ("message_stop".equals(last)) {
                        wholeStreams.incrementAndGet();
                    }
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get();
            }
            assertThat(statuses.counts).as("every client got its answer, none a 429").containsOnlyKeys(200);
            assertThat(statuses.counts.get(200).get()).isEqualTo(CALLS);
            assertThat(wholeStreams.get()).as("every stream ended with message_stop").isEqualTo(CALLS / 2);
            assertThat(sim.maxWindowOveradmission()).as("the simulator saw no limit exceeded in any window").isZero();
            assertThat(sim.stats().path("requests").asLong()).isGreaterThanOrEqualTo(CALLS);
        }
    }

    /** Statuses seen, by code. */
    private static final class StatusCounts {
        final ConcurrentHashMap<Integer, AtomicInteger> counts = new ConcurrentHashMap<>();

        void add(int status) {
            counts.computeIfAbsent(status, s -> new AtomicInteger()).incrementAndGet();
        }
    }
}
