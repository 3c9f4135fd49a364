package dev.pacer.anthropic.functional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pacer.CallFailed;
import dev.pacer.Pacer;
import dev.pacer.anthropic.AnthropicPacer;
import dev.pacer.anthropic.AnthropicQuotaKeys;
import dev.pacer.anthropic.ApiKey;
import dev.pacer.anthropic.CallOptions;
import dev.pacer.anthropic.EndpointReply;
import dev.pacer.anthropic.EndpointRequest;
import dev.pacer.event.PacerEvent;
import dev.pacer.outcome.OutcomeFamily;
import dev.pacer.quota.Dimension;
import dev.pacer.retry.RetryPolicy;
import dev.pacer.sim.SimServer;
import dev.pacer.sim.Tier;
import dev.pacer.time.ScaledClock;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/**
 * The endpoints other than Messages through the engine ({@link AnthropicPacer#send}): the Message
 * Batches API on its own pool, paced and retried, answers handed back with status, headers and body.
 */
class EndpointSendTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final double SCALE = 60;
    private static final String KEY = "sk-ant-test-endpoints";

    private static AnthropicPacer client(SimServer sim, Pacer pacer) {
        return AnthropicPacer.builder().baseUrl(sim.baseUrl()).apiKey(KEY).pacer(pacer).build();
    }

    private static Pacer pacer(SimServer sim) {
        ScaledClock clock = new ScaledClock(sim.clock().now(), SCALE);
        return Pacer.builder().clock(clock).scheduler(clock).build();
    }

    private static byte[] batch(int requests) throws Exception {
        ObjectNode body = JSON.createObjectNode();
        ArrayNode list = body.putArray("requests");
        for (int i = 0; i < requests; i++) {
            ObjectNode params = list.addObject().put("custom_id", "req-" + i).putObject("params");
            params.put("model", "claude-haiku-4-5").put("max_tokens", 50);
            params.putArray("messages").addObject().put("role", "user").put("content", "Item " + i);
        }
        return JSON.writeValueAsBytes(body);
    }

    @Test
    void aBatchIsCreatedPolledAndItsResultsStreamedThroughTheEngineOnTheBatchesPool() throws Exception {
        try (SimServer sim = SimServer.builder().tier(Tier.TIER_1).timeScale(SCALE).configure(s -> s.batches(5, 100_000)).start()) {
            Pacer pacer = pacer(sim);
            try (AnthropicPacer claude = client(sim, pacer)) {
                EndpointReply created = claude.send(EndpointRequest.post("/v1/messages/batches", batch(3)), CallOptions.defaults()).join();
                assertThat(created.status()).isEqualTo(200);
                String id = created.json().path("id").asText();
                JsonNode status;
                long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
                do {
                    Thread.sleep(20);
                    status = claude.send(EndpointRequest.get("/v1/messages/batches/" + id), CallOptions.defaults()).join().json();
                } while (!status.path("processing_status").asText().equals("ended") && System.nanoTime() < deadline);
                assertThat(status.path("request_counts").path("succeeded").asLong()).isEqualTo(3);
                List<String> lines = new ArrayList<>();
                try (EndpointReply results = claude.send(EndpointRequest.get("/v1/messages/batches/" + id + "/results")
                        .withTimeout(Duration.ofMinutes(5)), CallOptions.defaults()).join();
                     BufferedReader reader = new BufferedReader(new InputStreamReader(results.body(), StandardCharsets.UTF_8))) {
                    assertThat(results.isSuccess()).isTrue();
                    reader.lines().filter(l -> !l.isBlank()).forEach(lines::add);
                }
                assertThat(lines).hasSize(3).allMatch(l -> l.contains("\"succeeded\""));
                EndpointReply other = claude.send(EndpointRequest.post("/v1/messages/batches", batch(1)), CallOptions.defaults()).join();
                String otherId = other.json().path("id").asText();
                EndpointReply canceled = claude.send(EndpointRequest.post("/v1/messages/batches/" + otherId + "/cancel", new byte[0]),
                        CallOptions.defaults()).join();
                assertThat(canceled.status()).isEqualTo(200);
            }
            // Every batch endpoint draws from one pool, whose limit (50 a minute on tier 1) was learned from its headers.
            assertThat(pacer.quotas().view(AnthropicQuotaKeys.batches(ApiKey.of(KEY))).dimension(Dimension.REQUESTS).limit()
                    .perMinuteRate()).isEqualTo(50.0);
        }
    }

    @Test
    void aStatusTheCallerTakesAsItIsComesBackAtOnceAndARefusalWithItsBody() throws Exception {
        // A processing queue of 2 requests: the second batch of 2 does not fit.
        try (SimServer sim = SimServer.builder().tier(Tier.TIER_2).timeScale(SCALE).configure(s -> s.batches(3_600, 2)).start();
             AnthropicPacer claude = client(sim, pacer(sim))) {
            assertThat(claude.send(EndpointRequest.post("/v1/messages/batches", batch(2)), CallOptions.defaults()).join().status())
                    .isEqualTo(200);
            EndpointReply full = claude.send(EndpointRequest.post("/v1/messages/batches", batch(2)).withAnswersAsIs(429),
                    CallOptions.defaults()).join();
            assertThat(full.status()).isEqualTo(429);
            assertThat(full.json().path("error").path("message").asText()).contains("processing queue");
            assertThat(full.header("retry-after")).isPresent();
            assertThat(sim.stats().path("requests").asLong()).as("not retried").isEqualTo(2);

            EndpointReply unknown = claude.send(EndpointRequest.get("/v1/messages/batches/msgbatch_unknown"), CallOptions.defaults()).join();
            assertThat(unknown.status()).isEqualTo(404);
            assertThat(unknown.outcome().family()).isEqualTo(OutcomeFamily.REQUEST_ERROR);
            assertThat(unknown.outcome().message()).contains("msgbatch_unknown").contains("(request-id req_");
            assertThat(unknown.json().path("error").path("type").asText()).isEqualTo("not_found_error");
            assertThat(sim.stats().path("requests").asLong()).as("a request error is not retried").isEqualTo(3);
        }
    }

    @Test
    void aTransportFailureIsAFailedAttemptClassifiedByThePipelineNeverAnExceptionForTheEngine() throws Exception {
        int closed;
        try (ServerSocket s = new ServerSocket(0)) {
            closed = s.getLocalPort();
        }
        List<PacerEvent.AttemptFinished> finished = new CopyOnWriteArrayList<>();
        Pacer pacer = Pacer.builder().retryPolicy(RetryPolicy.builder().maxAttempts(2).baseDelay(Duration.ofMillis(5)).build())
                .listener(e -> {
                    if (e instanceof PacerEvent.AttemptFinished f) {
                        finished.add(f);
                    }
                }).build();
        try (AnthropicPacer claude = AnthropicPacer.builder().baseUrl("http://127.0.0.1:" + closed).apiKey(KEY).pacer(pacer).build()) {
            Throwable endpoint = catchThrowable(() -> claude.send(EndpointRequest.get("/v1/models"), CallOptions.defaults()).join());
            ObjectNode params = JSON.createObjectNode().put("model", "claude-haiku-4-5").put("max_tokens", 10);
            params.putArray("messages").addObject().put("role", "user").put("content", "hi");
            Throwable message = catchThrowable(() -> claude.messages(params, CallOptions.defaults()).join());
            Throwable stream = catchThrowable(() -> claude.stream(params, CallOptions.defaults()).join());
            for (Throwable error : List.of(endpoint, message, stream)) {
                Throwable cause = error instanceof CompletionException c ? c.getCause() : error;
                assertThat(cause).isInstanceOf(CallFailed.class);
                assertThat(((CallFailed) cause).attempts()).as("retried").isEqualTo(2);
            }
        }
        // Each attempt ended as the pipeline's connection failure (status 0, its own description), not an exception the
        // engine had to guess about.
        assertThat(finished).hasSize(6).allSatisfy(f -> {
            assertThat(f.outcome().family()).isEqualTo(OutcomeFamily.CONNECTION_FAILURE);
            assertThat(f.outcome().status()).isZero();
            // The root cause named by the pipeline (the JDK's ConnectException wraps a ClosedChannelException).
            assertThat(f.outcome().message()).matches("(Connect|ClosedChannel)Exception.*");
        });
    }
}
