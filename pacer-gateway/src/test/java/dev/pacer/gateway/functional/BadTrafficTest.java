package dev.pacer.gateway.functional;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pacer.gateway.GatewaySettings;
import dev.pacer.sim.SimServer;
import dev.pacer.sim.Tier;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Traffic a gateway on a network meets: bodies over the limit (declared or chunked), bodies that are
 * not JSON, clients that send their headers or body a byte at a time, connections left idle. Each is
 * answered in the API's shape, or closed, without contacting the upstream and without holding
 * anything another client needs.
 */
class BadTrafficTest {

    private static final String MESSAGE = "{\"model\":\"claude-haiku-4-5\",\"max_tokens\":16,\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}";
    private GatewayFixture fixture;
    private final HttpClient http = HttpClient.newHttpClient();

    @BeforeEach
    void start() throws Exception {
        fixture = new GatewayFixture(SimServer.builder().tier(Tier.TIER_2).timeScale(60).start(), b -> b.bodyLimit(64 * 1024)
                .timeouts(new GatewaySettings.Timeouts(Duration.ofMillis(700), Duration.ofSeconds(2), Duration.ofMillis(700),
                        Duration.ofSeconds(30), Duration.ofSeconds(5))));
    }

    @AfterEach
    void stop() {
        http.close();
        fixture.close();
    }

    private HttpResponse<String> post(String path, String body) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(fixture.url() + path)).header("x-api-key", "sk-ant-bad-traffic")
                .header("content-type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private long upstreamRequests() {
        return fixture.sim.stats().path("requests").asLong();
    }

    @Test
    void aDeclaredBodyOverTheLimitIs413BeforeItIsSent() throws Exception {
        try (RawClient c = new RawClient(fixture.url())) {
            // Declares 100 MB, sends none of it: the answer comes anyway.
            c.send("POST /v1/messages HTTP/1.1\r\nHost: x\r\nx-api-key: sk-ant-bad-traffic\r\ncontent-type: application/json\r\n"
                    + "content-length: 100000000\r\n\r\n");
            String answer = c.readUntilClosed(64 * 1024);
            assertThat(answer).startsWith("HTTP/1.1 413");
            assertThat(answer).contains("{\"type\":\"error\",\"error\":{\"type\":\"request_too_large\"");
        }
        assertThat(upstreamRequests()).isZero();
    }

    @Test
    void aChunkedBodyIsReadOnlyUntilItPassesTheLimit() throws Exception {
        try (RawClient c = new RawClient(fixture.url())) {
            c.send("POST /v1/messages HTTP/1.1\r\nHost: x\r\nx-api-key: sk-ant-bad-traffic\r\ntransfer-encoding: chunked\r\n\r\n");
            String chunk = "a".repeat(16 * 1024);
            for (int i = 0; i < 5; i++) {
                c.send(Integer.toHexString(chunk.length()) + "\r\n" + chunk + "\r\n");
            }
            // The body is not finished (no last chunk): the gateway answered once it passed 64 KiB.
            String answer = c.readUntilClosed(64 * 1024);
            assertThat(answer).startsWith("HTTP/1.1 413");
        }
        assertThat(upstreamRequests()).isZero();
    }

    @Test
    void malformedJsonIs400WithoutContactingTheUpstream() throws Exception {
        HttpResponse<String> r = post("/v1/messages", "{\"model\": \"claude-haiku-4-5\", \"max_tokens\": ");
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(r.body()).startsWith("{\"type\":\"error\",\"error\":{\"type\":\"invalid_request_error\",\"message\":");
        HttpResponse<String> count = post("/v1/messages/count_tokens", "not json");
        assertThat(count.statusCode()).isEqualTo(400);
        HttpResponse<String> noModel = post("/v1/messages", "{\"max_tokens\":5,\"messages\":[]}");
        assertThat(noModel.statusCode()).isEqualTo(400);
        assertThat(noModel.body()).contains("model: Field required");
        assertThat(upstreamRequests()).isZero();
        assertThat(post("/v1/messages", MESSAGE).statusCode()).as("and a good one still goes").isEqualTo(200);
    }

    @Test
    void aBadPacerHeaderIs400NamingIt() throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(fixture.url() + "/v1/messages"))
                .header("x-api-key", "sk-ant-bad-traffic").header("x-pacer-priority", "urgent")
                .POST(HttpRequest.BodyPublishers.ofString(MESSAGE)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(r.body()).contains("x-pacer-priority must be interactive, normal or bulk");
    }

    @Test
    void slowLorisClientsAreClosedAtTheHeaderTimeoutAndHoldNothingMeanwhile() throws Exception {
        List<RawClient> loris = new ArrayList<>();
        try {
            for (int i = 0; i < 200; i++) {
                RawClient c = new RawClient(fixture.url());
                c.send("POST /v1/messages HTTP/1.1\r\nHost: x\r\nx-api-");
                loris.add(c);
            }
            // While 200 connections trickle their headers, a normal client is served at once.
            assertThat(post("/v1/messages", MESSAGE).statusCode()).isEqualTo(200);
            // They keep trickling a byte every 300 ms, well inside the 2 s idle timeout, which alone would never end them.
            List<RawClient> open = new ArrayList<>(loris.subList(0, 20));
            for (int round = 0; round < 40 && !open.isEmpty(); round++) {
                Thread.sleep(300);
                for (java.util.Iterator<RawClient> it = open.iterator(); it.hasNext(); ) {
                    RawClient c = it.next();
                    c.socket.setSoTimeout(20);
                    boolean closed;
                    try {
                        c.send("k");
                        closed = c.closedByServer();
                    } catch (java.io.IOException e) {
                        closed = true;
                    }
                    if (closed) {
                        it.remove();
                    }
                }
            }
            assertThat(open).as("connections still open after 12 s of trickling").isEmpty();
        } finally {
            for (RawClient c : loris) {
                c.close();
            }
        }
    }

    @Test
    void theHeaderTimeoutCoversEveryRequestOfAKeptAliveConnection() throws Exception {
        try (RawClient c = new RawClient(fixture.url())) {
            c.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
            assertThat(readOneAnswer(c)).startsWith("HTTP/1.1 200");
            // Idle between requests for longer than the header timeout (700 ms) but within the idle timeout (2 s):
            // that is the idle timeout's time, so a second request is served.
            Thread.sleep(1_000);
            c.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
            assertThat(readOneAnswer(c)).startsWith("HTTP/1.1 200");
            // The third request's headers trickle in a byte every 300 ms: cut off at the idle plus the header timeout
            // after the last answer, though each byte restarts the idle timeout.
            c.send("POST /v1/messages HTTP/1.1\r\nHost: x\r\nx-api-");
            boolean closed = false;
            for (int round = 0; round < 40 && !closed; round++) {
                Thread.sleep(300);
                c.socket.setSoTimeout(20);
                try {
                    c.send("k");
                    closed = c.closedByServer();
                } catch (java.io.IOException e) {
                    closed = true;
                }
            }
            assertThat(closed).as("a kept-alive connection trickling its next request's headers for 12 s is closed").isTrue();
        }
        assertThat(upstreamRequests()).isZero();
    }

    /** Reads one answer with a content-length off {@code c}: its status line, headers and body. */
    private static String readOneAnswer(RawClient c) throws java.io.IOException {
        c.socket.setSoTimeout(15_000);
        java.io.InputStream in = c.socket.getInputStream();
        StringBuilder head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) {
                throw new java.io.IOException("closed mid-answer: " + head);
            }
            head.append((char) b);
        }
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("(?i)content-length:\\s*(\\d+)").matcher(head);
        int length = m.find() ? Integer.parseInt(m.group(1)) : 0;
        return head + new String(in.readNBytes(length), java.nio.charset.StandardCharsets.UTF_8);
    }

    @Test
    void aBodyThatDoesNotArriveInTimeHasItsConnectionClosed() throws Exception {
        try (RawClient c = new RawClient(fixture.url())) {
            c.send("POST /v1/messages HTTP/1.1\r\nHost: x\r\nx-api-key: sk-ant-bad-traffic\r\ncontent-length: 200\r\n\r\n{\"model\":");
            c.socket.setSoTimeout(15_000);
            assertThat(c.closedByServer()).isTrue();
        }
        assertThat(upstreamRequests()).isZero();
    }

    @Test
    void anIdleConnectionIsClosedAtTheIdleTimeout() throws Exception {
        try (RawClient c = new RawClient(fixture.url())) {
            c.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
            c.socket.setSoTimeout(15_000);
            long start = System.nanoTime();
            assertThat(c.closedByServer()).isTrue();
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofSeconds(1));
        }
    }

    @Test
    void healthAndReadiness() throws Exception {
        HttpResponse<String> health = http.send(HttpRequest.newBuilder(URI.create(fixture.url() + "/healthz")).build(),
                HttpResponse.BodyHandlers.ofString());
        HttpResponse<String> ready = http.send(HttpRequest.newBuilder(URI.create(fixture.url() + "/readyz")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(health.statusCode()).isEqualTo(200);
        assertThat(ready.statusCode()).isEqualTo(200);
        assertThat(ready.body()).contains("ready");
    }
}
