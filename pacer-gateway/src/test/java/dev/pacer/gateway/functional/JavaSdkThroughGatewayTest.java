package dev.pacer.gateway.functional;

import static org.assertj.core.api.Assertions.assertThat;

import com.anthropic.client.AnthropicClient;
import com.anthropic.client.okhttp.AnthropicOkHttpClient;
import com.anthropic.core.http.StreamResponse;
import com.anthropic.models.messages.Message;
import com.anthropic.models.messages.MessageCountTokensParams;
import com.anthropic.models.messages.MessageCreateParams;
import com.anthropic.models.messages.MessageTokensCount;
import com.anthropic.models.messages.RawMessageStreamEvent;
import com.anthropic.models.messages.batches.BatchCreateParams;
import com.anthropic.models.messages.batches.MessageBatch;
import com.anthropic.models.messages.batches.MessageBatchIndividualResponse;
import com.anthropic.models.models.ModelInfo;
import dev.pacer.sim.SimServer;
import dev.pacer.sim.Tier;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The official Java SDK, unmodified but for its base URL, through the gateway to the simulator: a
 * message, a stream, count_tokens, a batch and its results, the models, and a 429 from the gateway
 * (its deadline cannot be met) that the SDK's own retry gets through.
 */
class JavaSdkThroughGatewayTest {

    private static final String KEY = TestKeys.unique("sk-ant-test-");
    private GatewayFixture fixture;
    private AnthropicClient client;

    @AfterEach
    void stop() {
        if (client != null) {
            client.close();
        }
        if (fixture != null) {
            fixture.close();
        }
    }

    private void start(SimServer sim, int maxRetries) throws Exception {
        fixture = new GatewayFixture(sim, b -> { });
        client = AnthropicOkHttpClient.builder().baseUrl(fixture.url()).apiKey(KEY).maxRetries(maxRetries)
                .timeout(Duration.ofSeconds(60)).build();
    }

    private static MessageCreateParams params(long maxTokens) {
        return MessageCreateParams.builder().model("claude-sonnet-4-5").maxTokens(maxTokens)
                .system("You are terse.").addUserMessage("Say hello in three languages.").build();
    }

    @Test
    void aMessageComesBackAsTheSimulatorSentIt() throws Exception {
        start(SimServer.builder().tier(Tier.TIER_1).timeScale(100).start(), 0);
        var raw = client.messages().withRawResponse().create(params(200));
        Message m = raw.parse();
        assertThat(m.id()).startsWith("msg_");
        assertThat(m.content().get(0).asText().text()).isNotBlank();
        assertThat(m.usage().outputTokens()).isBetween(1L, 200L);
        assertThat(raw.headers().values("request-id")).singleElement().asString().startsWith("req_");
        assertThat(raw.headers().values("anthropic-ratelimit-requests-limit")).containsExactly("50");
        assertThat(raw.headers().values("x-pacer-attempts")).containsExactly("1");
        assertThat(raw.headers().values("x-pacer-queue-ms")).hasSize(1);
        assertThat(raw.headers().values("x-pacer-model")).as("no fallback answered").isEmpty();
        assertThat(fixture.sim.stats().path("requests").asLong()).isEqualTo(1);
    }

    @Test
    void aStreamArrivesEventByEventAndWhole() throws Exception {
        start(SimServer.builder().tier(Tier.TIER_1).timeScale(100).start(), 0);
        List<String> types = new ArrayList<>();
        StringBuilder text = new StringBuilder();
        long[] output = {-1};
        try (StreamResponse<RawMessageStreamEvent> stream = client.messages().createStreaming(params(150))) {
            stream.stream().forEach(event -> {
                if (event.isMessageStart()) {
                    types.add("message_start");
                } else if (event.isContentBlockDelta()) {
                    types.add("content_block_delta");
                    event.asContentBlockDelta().delta().text().ifPresent(t -> text.append(t.text()));
                } else if (event.isMessageDelta()) {
                    types.add("message_delta");
                    output[0] = event.asMessageDelta().usage().outputTokens();
                } else if (event.isMessageStop()) {
                    types.add("message_stop");
                }
            });
        }
        assertThat(types.get(0)).isEqualTo("message_start");
        assertThat(types).endsWith("message_delta", "message_stop");
        assertThat(text).isNotEmpty();
        assertThat(output[0]).isPositive();
        assertThat(fixture.gateway.pacer().quotas().view(fixture.gateway.pacer().quotas() == null ? null
                : dev.pacer.anthropic.AnthropicQuotaKeys.forModelClass(dev.pacer.anthropic.ApiKey.of(KEY), "sonnet-4")).inFlight())
                .as("the stream settled").isZero();
    }

    @Test
    void countTokensAndTheModelsPassThroughPaced() throws Exception {
        start(SimServer.builder().tier(Tier.TIER_1).timeScale(100).start(), 0);
        MessageTokensCount count = client.messages().countTokens(MessageCountTokensParams.builder()
                .model("claude-sonnet-4-5").system("You are terse.").addUserMessage("Say hello in three languages.").build());
        Message m = client.messages().create(params(50));
        assertThat(count.inputTokens()).isEqualTo(m.usage().inputTokens());
        List<String> ids = new ArrayList<>();
        for (ModelInfo info : client.models().list().autoPager()) {
            ids.add(info.id());
        }
        assertThat(ids).contains("claude-sonnet-4-5");
        assertThat(client.models().retrieve("claude-sonnet-4-5").id()).isEqualTo("claude-sonnet-4-5");
    }

    @Test
    void aBatchIsCreatedPolledAndItsResultsRead() throws Exception {
        start(SimServer.builder().tier(Tier.TIER_1).timeScale(100).configure(s -> s.batches(300, 100_000)).start(), 0);
        BatchCreateParams.Builder create = BatchCreateParams.builder();
        for (int i = 0; i < 4; i++) {
            create.addRequest(BatchCreateParams.Request.builder().customId("req-" + i)
                    .params(BatchCreateParams.Request.Params.builder().model("claude-haiku-4-5").maxTokens(100)
                            .addUserMessage("Item " + i).build()).build());
        }
        MessageBatch batch = client.messages().batches().create(create.build());
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (batch.processingStatus() != MessageBatch.ProcessingStatus.ENDED && System.nanoTime() < deadline) {
            Thread.sleep(200);
            batch = client.messages().batches().retrieve(batch.id());
        }
        assertThat(batch.processingStatus()).isEqualTo(MessageBatch.ProcessingStatus.ENDED);
        List<MessageBatchIndividualResponse> results = new ArrayList<>();
        try (StreamResponse<MessageBatchIndividualResponse> stream = client.messages().batches().resultsStreaming(batch.id())) {
            stream.stream().forEach(results::add);
        }
        assertThat(results).hasSize(4).allMatch(r -> r.result().isSucceeded());
    }

    @Test
    void aGatewayRefusalIsAnHonest429TheSdkRetriesThrough() throws Exception {
        // One request a minute for Sonnet, a minute per 3 s: the second call must wait up to 3 s for its turn,
        // longer than the 100 ms it allows, so the gateway answers 429 with an honest retry-after and the SDK retries.
        start(SimServer.builder().timeScale(20).limits(1, 30_000, 8_000).start(), 2);
        AnthropicClient impatient = client.withOptions(o -> o.putHeader("x-pacer-deadline-ms", "100"));
        impatient.messages().create(params(20));
        var raw = impatient.messages().withRawResponse().create(params(20));
        assertThat(raw.statusCode()).isEqualTo(200);
        assertThat(fixture.log).anyMatch(l -> l.startsWith("POST /v1/messages ") && l.contains(" 429 "));
        assertThat(fixture.sim.stats().path("rate_limited_429").asLong()).as("no 429 from the simulator itself").isZero();
        assertThat(fixture.sim.maxWindowOveradmission()).isZero();
        // The SDK's retry (X-Stainless-Retry-Count: 1, 2) is a retry of its refused call, not new demand.
        long refused = fixture.log.stream().filter(l -> l.startsWith("POST /v1/messages ") && l.contains(" 429 ")).count();
        long clientRetries = clientRetriesOnMetrics();
        assertThat(clientRetries).as("client retries on /metrics").isBetween(1L, refused);
    }

    /** The sum of {@code pacer_retries_total{reason="client_retry"}} on the gateway's /metrics. */
    private long clientRetriesOnMetrics() throws Exception {
        try (java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient()) {
            String text = http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(fixture.url() + "/metrics")).build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString()).body();
            return text.lines().filter(l -> l.startsWith("pacer_retries_total{") && l.contains("reason=\"client_retry\""))
                    .mapToLong(l -> (long) Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
        }
    }
}
