package dev.pacer.gateway.functional;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pacer.sim.SimServer;
import dev.pacer.sim.Tier;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * No key ever appears in anything the gateway produces: every log line, every response header and
 * body of a run that exercises success, streams, refusals of every kind (401, 400, 413, 429 over
 * budget and past the deadline), the other endpoints and pass-through paths, in both key modes. The
 * upstream key, the gateway keys and a pass-through client's key are each looked for whole and by a
 * distinctive part.
 */
class KeysNeverLeakTest {

    private static final String CLIENT_KEY = TestKeys.unique("sk-ant-test-pass-through-");
    private static final String MESSAGE = "{\"model\":\"claude-haiku-4-5\",\"max_tokens\":16,\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}";
    private static final String STREAM = "{\"model\":\"claude-haiku-4-5\",\"max_tokens\":16,\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}";

    private final List<String> seen = new ArrayList<>();

    @Test
    void noKeyInAnyLogLineHeaderOrBody() throws Exception {
        try (HttpClient http = HttpClient.newHttpClient()) {
            SimServer virtualSim = SimServer.builder().tier(Tier.TIER_2).timeScale(60).configure(s -> s.apiKeys(Set.of(VirtualKeysTest.UPSTREAM_KEY)))
                    .start();
            try (GatewayFixture fixture = new GatewayFixture(virtualSim, b -> VirtualKeysTest.virtual(b).bodyLimit(4096))) {
                for (String key : new String[] {VirtualKeysTest.TEAM_KEY, VirtualKeysTest.THRIFTY_KEY, VirtualKeysTest.SLOW_KEY, "pgw-wrong-key", ""}) {
                    traffic(http, fixture.url(), key);
                }
                seen.addAll(fixture.log);
            }
            SimServer passSim = SimServer.builder().tier(Tier.TIER_2).timeScale(60).start();
            try (GatewayFixture fixture = new GatewayFixture(passSim, b -> b.bodyLimit(4096))) {
                traffic(http, fixture.url(), CLIENT_KEY);
                seen.addAll(fixture.log);
            }
        }
        assertThat(seen).hasSizeGreaterThan(50);
        assertThat(seen).anyMatch(s -> s.contains("authentication_error")).anyMatch(s -> s.contains("request_too_large"))
                .anyMatch(s -> s.contains("has spent its budget")).anyMatch(s -> s.contains("event: message_stop") || s.contains("message_stop"));
        for (String secret : List.of(VirtualKeysTest.UPSTREAM_KEY, VirtualKeysTest.TEAM_KEY, VirtualKeysTest.THRIFTY_KEY,
                VirtualKeysTest.SLOW_KEY, CLIENT_KEY)) {
            String part = secret.substring(secret.length() - 6);
            assertThat(seen).as("nothing shows " + secret.substring(0, 6) + "...").noneMatch(s -> s.contains(secret) || s.contains(part));
        }
    }

    private void traffic(HttpClient http, String url, String key) throws Exception {
        send(http, url, "POST", "/v1/messages", key, MESSAGE, null);
        send(http, url, "POST", "/v1/messages", key, STREAM, null);
        send(http, url, "POST", "/v1/messages", key, MESSAGE, "1");
        send(http, url, "POST", "/v1/messages", key, "{broken", null);
        send(http, url, "POST", "/v1/messages", key, "{\"pad\":\"" + "x".repeat(8000) + "\"}", null);
        send(http, url, "POST", "/v1/messages/count_tokens", key, "{\"model\":\"claude-haiku-4-5\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}", null);
        send(http, url, "GET", "/v1/models", key, null, null);
        send(http, url, "GET", "/v1/messages/batches", key, null, null);
        send(http, url, "GET", "/v1/files", key, null, null);
        send(http, url, "GET", "/v1/not-an-endpoint", key, null, null);
        send(http, url, "GET", "/metrics", key, null, null);
        send(http, url, "GET", "/status.json", key, null, null);
        send(http, url, "GET", "/status", key, null, null);
    }

    private void send(HttpClient http, String url, String method, String path, String key, String body, String deadlineMs) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url + path)).method(method,
                body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (!key.isEmpty()) {
            b.header("x-api-key", key);
        }
        if (deadlineMs != null) {
            b.header("x-pacer-deadline-ms", deadlineMs);
        }
        HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
        seen.add(r.statusCode() + " " + r.headers().map());
        seen.add(r.body());
    }
}
