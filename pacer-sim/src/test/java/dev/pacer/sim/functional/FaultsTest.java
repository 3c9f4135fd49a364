package dev.pacer.sim.functional;

import static dev.pacer.sim.functional.Client.json;
import static dev.pacer.sim.functional.Client.message;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.pacer.sim.FaultProfile;
import dev.pacer.sim.SimServer;
import java.io.IOException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Faults before the answer, storms, and changing them at run time; each one counted. */
class FaultsTest {

    @Test
    void overloadsServerErrorsAndTimeoutsAnswerWithTheApisBodiesAndTakeNothing() throws Exception {
        try (SimServer sim = SimServer.builder().configure(s -> s.latency(0, 1e6, 0)).start()) {
            Client c = new Client(sim, "sk-faults");
            sim.setFaults(FaultProfile.NONE.withOverloaded(1.0));
            HttpResponse<String> overloaded = c.post("/v1/messages", message("claude-sonnet-4-5", 10, 3, false, 0).toString());
            assertThat(overloaded.statusCode()).isEqualTo(529);
            assertThat(json(overloaded).path("error").path("type").asText()).isEqualTo("overloaded_error");
            assertThat(json(overloaded).path("error").path("message").asText()).isEqualTo("Overloaded");
            assertThat(overloaded.headers().firstValue("anthropic-ratelimit-requests-remaining")).contains("50");
            sim.setFaults(FaultProfile.NONE.withErrors(1.0, 0, 0));
            assertThat(json(c.post("/v1/messages", message("claude-sonnet-4-5", 10, 3, false, 0).toString())).path("error").path("type").asText())
                    .isEqualTo("api_error");
            sim.setFaults(FaultProfile.NONE.withErrors(0, 1.0, 0));
            HttpResponse<String> timeout = c.post("/v1/messages", message("claude-sonnet-4-5", 10, 3, false, 0).toString());
            assertThat(timeout.statusCode()).isEqualTo(504);
            assertThat(json(timeout).path("error").path("type").asText()).isEqualTo("timeout_error");
            sim.setFaults(FaultProfile.NONE.withErrors(0, 0, 1.0));
            Throwable reset = catchThrowable(() -> c.post("/v1/messages", message("claude-sonnet-4-5", 10, 3, false, 0).toString()));
            assertThat(reset).isInstanceOf(IOException.class);
            var stats = sim.snapshot();
            assertThat(stats.faults()).containsEntry("overloaded", 1L).containsEntry("api_error", 1L).containsEntry("timeout_error", 1L)
                    .containsEntry("connection_reset", 1L);
            assertThat(stats.responses(529)).isEqualTo(1);
            assertThat(stats.pool("sk-faults", "sonnet-4").requests().admitted()).isZero();
            assertThat(stats.pool("sk-faults", "sonnet-4").overloaded()).isEqualTo(1);
            assertThat(stats.pool("sk-faults", "sonnet-4").serverErrors()).isEqualTo(2);
        }
    }

    @Test
    void injectedServerErrorsCarryARetryAfterOnlyWhenTheProfileAsksForOne() throws Exception {
        try (SimServer sim = SimServer.builder().timeScale(10).configure(s -> s.latency(0, 1e6, 0)).start()) {
            Client c = new Client(sim, "sk-5xx-retry");
            sim.setFaults(FaultProfile.NONE.withOverloaded(1.0));
            HttpResponse<String> none = c.post("/v1/messages", message("claude-sonnet-4-5", 10, 3, false, 0).toString());
            assertThat(none.statusCode()).isEqualTo(529);
            assertThat(none.headers().firstValue("retry-after")).as("not documented for 529: none by default").isEmpty();
            HttpResponse<String> put = c.send(c.request("/_sim/faults").PUT(HttpRequest.BodyPublishers.ofString(
                    "overloaded: 1\nretry-after: 12.5\n")));
            assertThat(put.statusCode()).isEqualTo(200);
            assertThat(json(put).path("retry-after").asDouble()).isEqualTo(12.5);
            HttpResponse<String> overloaded = c.post("/v1/messages", message("claude-sonnet-4-5", 10, 3, false, 0).toString());
            assertThat(overloaded.headers().firstValue("retry-after")).contains("13");
            assertThat(overloaded.headers().firstValue("x-should-retry")).isEmpty();
            sim.setFaults(FaultProfile.NONE.withErrors(1.0, 0, 0).withRetryAfter(3));
            assertThat(c.post("/v1/messages", message("claude-sonnet-4-5", 10, 3, false, 0).toString()).headers().firstValue("retry-after"))
                    .contains("3");
            sim.setFaults(FaultProfile.NONE.withErrors(0, 1.0, 0).withRetryAfter(4));
            assertThat(c.post("/v1/messages", message("claude-sonnet-4-5", 10, 3, false, 0).toString()).headers().firstValue("retry-after"))
                    .contains("4");
        }
    }

    @Test
    void aStormHitsItsModelsDuringItsWindowOnly() throws Exception {
        try (SimServer sim = SimServer.builder().timeScale(100).configure(s -> s.latency(0, 1e6, 0)).start()) {
            Client c = new Client(sim, "sk-storm");
            double now = sim.clock().seconds();
            // From now for 300 simulated seconds (3 s of wall time), every Opus answers 529.
            sim.setFaults(FaultProfile.NONE.withStorms(List.of(new FaultProfile.Storm(now, now + 300, 1.0, "opus"))));
            assertThat(c.post("/v1/messages", message("claude-opus-4-5", 10, 3, false, 0).toString()).statusCode()).isEqualTo(529);
            assertThat(c.post("/v1/messages", message("claude-opus-5", 10, 3, false, 0).toString()).statusCode()).isEqualTo(529);
            assertThat(c.post("/v1/messages", message("claude-sonnet-4-5", 10, 3, false, 0).toString()).statusCode()).isEqualTo(200);
            sim.clock().sleepUntil(now + 320);
            assertThat(c.post("/v1/messages", message("claude-opus-4-5", 10, 3, false, 0).toString()).statusCode()).isEqualTo(200);
        }
    }

    @Test
    void slowHeadersHoldTheAnswerBackOnTheSimulatedClock() throws Exception {
        try (SimServer sim = SimServer.builder().timeScale(10).configure(s -> s.latency(0, 1e6, 0))
                .faults(FaultProfile.NONE.withSlowHeaders(1.0, 8)).start()) {
            long start = System.nanoTime();
            assertThat(new Client(sim, "sk-slow").post("/v1/messages", message("claude-sonnet-4-5", 10, 3, false, 0).toString()).statusCode())
                    .isEqualTo(200);
            assertThat((System.nanoTime() - start) / 1e9).as("8 simulated seconds at 10x").isGreaterThan(0.75);
            assertThat(sim.snapshot().faults()).containsEntry("slow_headers", 1L);
        }
    }

    @Test
    void theFaultProfileChangesOverHttpWithTheConfigFilesNames() throws Exception {
        try (SimServer sim = SimServer.builder().start()) {
            Client c = new Client(sim, null);
            HttpResponse<String> put = c.send(c.request("/_sim/faults").PUT(HttpRequest.BodyPublishers.ofString(
                    "{\"overloaded\": 0.25, \"storms\": [{\"from\": 10, \"to\": 20, \"probability\": 1, \"model\": \"haiku\"}]}")));
            assertThat(put.statusCode()).isEqualTo(200);
            assertThat(sim.faults().overloaded()).isEqualTo(0.25);
            assertThat(sim.faults().storms()).containsExactly(new FaultProfile.Storm(10, 20, 1, "haiku"));
            assertThat(json(c.get("/_sim/faults")).path("overloaded").asDouble()).isEqualTo(0.25);
            HttpResponse<String> bad = c.send(c.request("/_sim/faults").PUT(HttpRequest.BodyPublishers.ofString("{\"overloaded\": 2}")));
            assertThat(bad.statusCode()).isEqualTo(400);
            assertThat(json(bad).path("error").path("message").asText())
                    .isEqualTo("the faults body line 1: faults.overloaded is a probability: between 0 and 1, not 2.0.");
            HttpResponse<String> unknown = c.send(c.request("/_sim/faults").PUT(HttpRequest.BodyPublishers.ofString("overload: 0.1")));
            assertThat(json(unknown).path("error").path("message").asText()).startsWith("the faults body line 1: 'overload' is not a setting of faults; allowed: ");
        }
    }
}
