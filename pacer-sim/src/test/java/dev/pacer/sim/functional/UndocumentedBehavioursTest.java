package dev.pacer.sim.functional;

import static dev.pacer.sim.functional.Client.json;
import static dev.pacer.sim.functional.Client.message;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.pacer.sim.FaultProfile;
import dev.pacer.sim.SimServer;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;

/** What the API reference leaves open is a setting, with the documented behaviour by default. */
class UndocumentedBehavioursTest {

    /** The data of the stream's {@code event: error}. */
    private static JsonNode streamError(HttpResponse<String> r) throws Exception {
        String[] lines = r.body().split("\n");
        for (int i = 0; i + 1 < lines.length; i++) {
            if (lines[i].equals("event: error")) {
                return Client.JSON.readTree(lines[i + 1].substring("data: ".length()));
            }
        }
        throw new AssertionError("no event: error in " + r.body());
    }

    private static long rateLimitHeaders(HttpResponse<String> r) {
        return r.headers().map().keySet().stream().filter(h -> h.startsWith("anthropic-ratelimit-")).count();
    }

    @Test
    void aMidStreamErrorCarriesTheRequestIdOnlyWhenSetTo() throws Exception {
        try (SimServer sim = SimServer.builder().timeScale(200).faults(FaultProfile.NONE.withMidStreamError(1.0, 3)).start()) {
            Client c = new Client(sim, "sk-stream-error-id");
            HttpResponse<String> plain = c.post("/v1/messages", message("claude-sonnet-4-5", 400, 5, true, 50).toString());
            assertThat(streamError(plain).has("request_id")).as("the documented example has none").isFalse();

            HttpResponse<String> put = c.send(c.request("/_sim/config").PUT(HttpRequest.BodyPublishers.ofString("stream-error-request-id: true")));
            assertThat(json(put).path("stream-error-request-id").asBoolean()).isTrue();
            HttpResponse<String> withId = c.post("/v1/messages", message("claude-sonnet-4-5", 400, 5, true, 50).toString());
            JsonNode error = streamError(withId);
            assertThat(error.path("request_id").asText()).isEqualTo(withId.headers().firstValue("request-id").orElseThrow());
            assertThat(error.path("error").path("type").asText()).isEqualTo("overloaded_error");
        }
    }

    @Test
    void anOutputCutCarriesTheRequestIdToo() throws Exception {
        try (SimServer sim = SimServer.builder().timeScale(200).limits(50, 30_000, 20)
                .configure(s -> s.otpmOverrun(dev.pacer.sim.OtpmOverrun.CUT).streamErrorRequestId(true)).start()) {
            HttpResponse<String> r = new Client(sim, "sk-cut-id").post("/v1/messages", message("claude-sonnet-4-5", 400, 5, true, 100).toString());
            JsonNode error = streamError(r);
            assertThat(error.path("error").path("type").asText()).isEqualTo("rate_limit_error");
            assertThat(error.path("request_id").asText()).isEqualTo(r.headers().firstValue("request-id").orElseThrow());
        }
    }

    @Test
    void rateLimitHeadersCanBeLeftOffSuccessesButNotOff429s() throws Exception {
        try (SimServer sim = SimServer.builder().limits(2, 30_000, 8_000).configure(s -> s.latency(0, 1e6, 0)).start()) {
            Client c = new Client(sim, "sk-no-headers");
            assertThat(rateLimitHeaders(c.post("/v1/messages", message("claude-sonnet-4-5", 10, 3, false, 5).toString())))
                    .as("by default, as documented").isEqualTo(12);
            sim.reconfigure(s -> s.rateLimitHeadersOnSuccess(false));
            HttpResponse<String> ok = c.post("/v1/messages", message("claude-sonnet-4-5", 10, 3, false, 5).toString());
            assertThat(ok.statusCode()).isEqualTo(200);
            assertThat(rateLimitHeaders(ok)).isZero();
            assertThat(ok.headers().firstValue("request-id")).isPresent();
            HttpResponse<String> limited = c.post("/v1/messages", message("claude-sonnet-4-5", 10, 3, false, 5).toString());
            assertThat(limited.statusCode()).isEqualTo(429);
            assertThat(rateLimitHeaders(limited)).isEqualTo(12);
            assertThat(limited.headers().firstValue("retry-after")).isPresent();
            HttpResponse<String> stream = new Client(sim, "sk-no-headers-2").post("/v1/messages",
                    message("claude-sonnet-4-5", 10, 3, true, 5).toString());
            assertThat(stream.statusCode()).isEqualTo(200);
            assertThat(rateLimitHeaders(stream)).isZero();
            HttpResponse<String> count = c.post("/v1/messages/count_tokens",
                    "{\"model\":\"claude-sonnet-4-5\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
            assertThat(count.statusCode()).isEqualTo(200);
            assertThat(rateLimitHeaders(count)).isZero();
            HttpResponse<String> list = c.get("/v1/messages/batches");
            assertThat(list.statusCode()).isEqualTo(200);
            assertThat(rateLimitHeaders(list)).isZero();
        }
    }
}
