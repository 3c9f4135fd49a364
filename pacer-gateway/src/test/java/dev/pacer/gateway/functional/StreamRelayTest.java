package dev.pacer.gateway.functional;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pacer.anthropic.AnthropicQuotaKeys;
import dev.pacer.anthropic.ApiKey;
import dev.pacer.sim.SimServer;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Streams through the gateway: relayed event by event as the upstream produces them (the first
 * events reach the client long before the stream ends), a client that goes away ends the upstream
 * stream and the call settles, and a stream in flight when the gateway shuts down is let finish.
 */
class StreamRelayTest {

    private static final String KEY = "sk-ant-test-stream-relay";
    private GatewayFixture fixture;
    private final HttpClient http = HttpClient.newHttpClient();

    @AfterEach
    void stop() {
        http.close();
        if (fixture != null) {
            fixture.close();
        }
    }

    /** A simulator at real time producing 50 tokens a second: a 150-token stream takes about 3 s. */
    private void start() throws Exception {
        fixture = new GatewayFixture(SimServer.builder().timeScale(1).configure(s -> s.latency(0.05, 50, 0)).start(), b -> { });
    }

    private HttpRequest streamRequest(int tokens) {
        String body = "{\"model\":\"claude-haiku-4-5\",\"max_tokens\":" + tokens + ",\"stream\":true,\"metadata\":{\"user_id\":"
                + "\"sim:output_tokens=" + tokens + "\"},\"messages\":[{\"role\":\"user\",\"content\":\"Tell a long story.\"}]}";
        return HttpRequest.newBuilder(URI.create(fixture.url() + "/v1/messages")).header("x-api-key", KEY)
                .header("content-type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build();
    }

    private int inFlight() {
        return fixture.gateway.pacer().quotas().view(AnthropicQuotaKeys.forModelClass(ApiKey.of(KEY), "haiku-4-5")).inFlight();
    }

    @Test
    void eventsArriveAsTheyAreMadeNotWhenTheStreamEnds() throws Exception {
        start();
        HttpResponse<java.io.InputStream> r = http.send(streamRequest(150), HttpResponse.BodyHandlers.ofInputStream());
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("content-type")).hasValueSatisfying(v -> assertThat(v).startsWith("text/event-stream"));
        assertThat(r.headers().firstValue("request-id")).isPresent();
        List<String> events = new ArrayList<>();
        long firstDelta = -1;
        long start = System.nanoTime();
        try (BufferedReader in = new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8))) {
            for (String line; (line = in.readLine()) != null; ) {
                if (line.startsWith("event: ")) {
                    events.add(line.substring(7));
                    if (firstDelta < 0 && line.endsWith("content_block_delta")) {
                        firstDelta = System.nanoTime() - start;
                    }
                }
            }
        }
        long whole = System.nanoTime() - start;
        assertThat(events.get(0)).isEqualTo("message_start");
        assertThat(events).endsWith("message_delta", "message_stop");
        // Relayed as made: the first delta came in the first half of the stream's life, not at its end.
        assertThat(firstDelta).isLessThan(whole / 2);
        assertThat(inFlight()).isZero();
    }

    @Test
    void aClientThatGoesAwayEndsTheUpstreamStreamAndTheCallSettles() throws Exception {
        start();
        try (RawClient c = new RawClient(fixture.url())) {
            String body = "{\"model\":\"claude-haiku-4-5\",\"max_tokens\":2000,\"stream\":true,\"metadata\":{\"user_id\":"
                    + "\"sim:output_tokens=2000\"},\"messages\":[{\"role\":\"user\",\"content\":\"Tell a long story.\"}]}";
            c.send("POST /v1/messages HTTP/1.1\r\nHost: x\r\nx-api-key: " + KEY + "\r\ncontent-type: application/json\r\ncontent-length: "
                    + body.length() + "\r\n\r\n" + body);
            byte[] buf = new byte[2048];
            int n = c.socket.getInputStream().read(buf);
            assertThat(new String(buf, 0, n, StandardCharsets.UTF_8)).startsWith("HTTP/1.1 200");
            assertThat(inFlight()).as("the stream holds its slot while it runs").isEqualTo(1);
        }
        // 2,000 tokens at 50 a second would take 40 s; the client left after the first bytes.
        long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        while (inFlight() > 0 && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertThat(inFlight()).as("settled once the client went away").isZero();
        deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        while (fixture.sim.stats().path("in_flight").asLong() > 0 && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertThat(fixture.sim.stats().path("in_flight").asLong()).as("the upstream stream ended too").isZero();
    }

    @Test
    void aStreamInFlightAtShutdownIsLetFinish() throws Exception {
        start();
        HttpResponse<java.io.InputStream> r = http.send(streamRequest(100), HttpResponse.BodyHandlers.ofInputStream());
        assertThat(r.statusCode()).isEqualTo(200);
        CompletableFuture<Void> closing = CompletableFuture.runAsync(fixture.gateway::close);
        List<String> events = new ArrayList<>();
        try (BufferedReader in = new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8))) {
            for (String line; (line = in.readLine()) != null; ) {
                if (line.startsWith("event: ")) {
                    events.add(line.substring(7));
                }
            }
        }
        closing.get();
        assertThat(events).endsWith("message_delta", "message_stop");
        assertThat(catchConnect()).as("no new connections once closed").isTrue();
    }

    private boolean catchConnect() {
        try {
            http.send(HttpRequest.newBuilder(URI.create(fixture.url() + "/healthz")).timeout(Duration.ofSeconds(5)).build(),
                    HttpResponse.BodyHandlers.ofString());
            return false;
        } catch (Exception e) {
            return true;
        }
    }
}
