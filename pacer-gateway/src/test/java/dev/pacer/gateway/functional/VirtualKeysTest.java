package dev.pacer.gateway.functional;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pacer.anthropic.ApiKey;
import dev.pacer.gateway.GatewaySettings;
import dev.pacer.gateway.VirtualKey;
import dev.pacer.quota.Priority;
import dev.pacer.sim.SimServer;
import dev.pacer.sim.Tier;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Virtual-key mode: clients present gateway keys (held only as hashes), the gateway sends its own
 * upstream key (the simulator accepts only that one), and a missing, unknown, over-budget or
 * over-its-own-limit key is refused in the API's shape before anything goes upstream.
 */
class VirtualKeysTest {

    static final String UPSTREAM_KEY = TestKeys.unique("sk-ant-test-upstream-");
    static final String TEAM_KEY = TestKeys.unique("pgw-test-team-a-");
    static final String THRIFTY_KEY = TestKeys.unique("pgw-test-thrifty-");
    static final String SLOW_KEY = TestKeys.unique("pgw-test-slow-");
    static final String MESSAGE = "{\"model\":\"claude-haiku-4-5\",\"max_tokens\":32,\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}";

    private GatewayFixture fixture;
    private final HttpClient http = HttpClient.newHttpClient();

    @AfterEach
    void stop() {
        http.close();
        if (fixture != null) {
            fixture.close();
        }
    }

    static GatewaySettings.Builder virtual(GatewaySettings.Builder b) {
        return b.upstream(new GatewaySettings.Upstream(b.upstream().baseUrl(), ApiKey.of(UPSTREAM_KEY), null)).keys(List.of(
                new VirtualKey("team-a", VirtualKey.hash(TEAM_KEY), Priority.INTERACTIVE, 0, 0, 0, 0),
                new VirtualKey("thrifty", VirtualKey.hash(THRIFTY_KEY), Priority.NORMAL, 0, 0, 0, 0.000_01),
                new VirtualKey("slow", VirtualKey.hash(SLOW_KEY), Priority.BULK, 1, 0, 0, 0)));
    }

    private void start() throws Exception {
        fixture = new GatewayFixture(SimServer.builder().tier(Tier.TIER_2).timeScale(60).configure(s -> s.apiKeys(Set.of(UPSTREAM_KEY)))
                .start(), b -> virtual(b));
    }

    private HttpResponse<String> post(String key, String deadlineMs) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(fixture.url() + "/v1/messages")).header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(MESSAGE));
        if (key != null) {
            b.header("x-api-key", key);
        }
        if (deadlineMs != null) {
            b.header("x-pacer-deadline-ms", deadlineMs);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void aGatewayKeyIsServedWithTheUpstreamKey() throws Exception {
        start();
        HttpResponse<String> r = post(TEAM_KEY, null);
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).contains("\"type\":\"message\"");
        // Bearer works too, as the SDKs' auth token option sends it.
        HttpResponse<String> bearer = http.send(HttpRequest.newBuilder(URI.create(fixture.url() + "/v1/messages"))
                .header("authorization", "Bearer " + TEAM_KEY).POST(HttpRequest.BodyPublishers.ofString(MESSAGE)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(bearer.statusCode()).isEqualTo(200);
    }

    @Test
    void missingAndUnknownKeysAre401BeforeAnythingGoesUpstream() throws Exception {
        start();
        HttpResponse<String> missing = post(null, null);
        HttpResponse<String> unknown = post("pgw-not-a-key", null);
        HttpResponse<String> upstreamKeyItself = post(UPSTREAM_KEY, null);
        for (HttpResponse<String> r : List.of(missing, unknown, upstreamKeyItself)) {
            assertThat(r.statusCode()).isEqualTo(401);
            assertThat(r.body()).startsWith("{\"type\":\"error\",\"error\":{\"type\":\"authentication_error\"");
        }
        assertThat(fixture.sim.stats().path("requests").asLong()).isZero();
    }

    @Test
    void aKeyOverItsBudgetIsRefusedWith429AndNoRetry() throws Exception {
        start();
        assertThat(post(THRIFTY_KEY, null).statusCode()).isEqualTo(200);
        HttpResponse<String> over = post(THRIFTY_KEY, null);
        assertThat(over.statusCode()).isEqualTo(429);
        assertThat(over.body()).contains("has spent its budget");
        assertThat(over.headers().firstValue("x-should-retry")).hasValue("false");
        assertThat(fixture.sim.stats().path("requests").asLong()).isEqualTo(1);
    }

    @Test
    void aKeysOwnLimitPacesItAloneAndAnImpatientCallGetsAnHonest429() throws Exception {
        start();
        assertThat(post(SLOW_KEY, null).statusCode()).isEqualTo(200);
        // One request a minute of its own (a second at 60x): the next, allowing 50 ms, cannot be admitted.
        HttpResponse<String> impatient = post(SLOW_KEY, "50");
        assertThat(impatient.statusCode()).isEqualTo(429);
        assertThat(impatient.headers().firstValue("retry-after")).hasValue("1");
        assertThat(impatient.body()).contains("rate_limit_error");
        // Another key is not held back by it.
        assertThat(post(TEAM_KEY, "50").statusCode()).isEqualTo(200);
        // And with patience the slow key's next call waits its turn and lands.
        assertThat(post(SLOW_KEY, "10000").statusCode()).isEqualTo(200);
        assertThat(fixture.sim.stats().path("rate_limited_429").asLong()).isZero();
    }
}
