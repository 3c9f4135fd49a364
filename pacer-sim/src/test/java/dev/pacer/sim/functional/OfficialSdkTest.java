package dev.pacer.sim.functional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.anthropic.client.AnthropicClient;
import com.anthropic.client.okhttp.AnthropicOkHttpClient;
import com.anthropic.core.http.StreamResponse;
import com.anthropic.errors.RateLimitException;
import com.anthropic.models.messages.Message;
import com.anthropic.models.messages.MessageCountTokensParams;
import com.anthropic.models.messages.MessageCreateParams;
import com.anthropic.models.messages.MessageTokensCount;
import com.anthropic.models.messages.RawMessageStreamEvent;
import com.anthropic.models.messages.batches.BatchCreateParams;
import com.anthropic.models.messages.batches.BatchListParams;
import com.anthropic.models.messages.batches.DeletedMessageBatch;
import com.anthropic.models.messages.batches.MessageBatch;
import com.anthropic.models.messages.batches.MessageBatchIndividualResponse;
import com.anthropic.models.models.ModelInfo;
import com.anthropic.models.models.ModelListParams;
import dev.pacer.sim.SimServer;
import dev.pacer.sim.Tier;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The official Java SDK, unmodified except its base URL, against the simulator. */
class OfficialSdkTest {

    private SimServer sim;
    private AnthropicClient client;

    @BeforeEach
    void start() throws Exception {
        sim = SimServer.builder().tier(Tier.TIER_1).timeScale(100).configure(s -> s.batches(300, 100_000)).start();
        client = AnthropicOkHttpClient.builder().baseUrl(sim.baseUrl()).apiKey("sk-ant-sim-test").maxRetries(0)
                .timeout(Duration.ofSeconds(60)).build();
    }

    @AfterEach
    void stop() {
        client.close();
        sim.close();
    }

    private static MessageCreateParams params(long maxTokens) {
        return MessageCreateParams.builder().model("claude-sonnet-4-5").maxTokens(maxTokens)
                .system("You are terse.").addUserMessage("Say hello in three languages.").build();
    }

    @Test
    void aMessage() {
        Message m = client.messages().create(params(200));
        assertThat(m.id()).startsWith("msg_");
        assertThat(m.content()).hasSize(1);
        assertThat(m.content().get(0).asText().text()).isNotBlank();
        assertThat(m.usage().outputTokens()).isBetween(1L, 200L);
        assertThat(m.usage().inputTokens()).isPositive();
        assertThat(m.stopReason()).isPresent();
    }

    @Test
    void aStream() {
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
    }

    @Test
    void countTokens() {
        MessageTokensCount count = client.messages().countTokens(MessageCountTokensParams.builder()
                .model("claude-sonnet-4-5").system("You are terse.").addUserMessage("Say hello in three languages.").build());
        Message m = client.messages().create(params(50));
        assertThat(count.inputTokens()).isEqualTo(m.usage().inputTokens());
    }

    @Test
    void aBatchCreatedAndItsResultsRead() throws Exception {
        BatchCreateParams.Builder create = BatchCreateParams.builder();
        for (int i = 0; i < 5; i++) {
            create.addRequest(BatchCreateParams.Request.builder().customId("req-" + i)
                    .params(BatchCreateParams.Request.Params.builder().model("claude-haiku-4-5").maxTokens(100)
                            .addUserMessage("Item " + i).build()).build());
        }
        create.addRequest(BatchCreateParams.Request.builder().customId("bad-model")
                .params(BatchCreateParams.Request.Params.builder().model("claude-unknown").maxTokens(10)
                        .addUserMessage("x").build()).build());
        MessageBatch batch = client.messages().batches().create(create.build());
        assertThat(batch.processingStatus()).isEqualTo(MessageBatch.ProcessingStatus.IN_PROGRESS);
        assertThat(batch.requestCounts().processing()).isEqualTo(6);
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (batch.processingStatus() != MessageBatch.ProcessingStatus.ENDED && System.nanoTime() < deadline) {
            Thread.sleep(200);
            batch = client.messages().batches().retrieve(batch.id());
            if (batch.processingStatus() != MessageBatch.ProcessingStatus.ENDED) {
                assertThat(batch.requestCounts().succeeded()).isZero();
            }
        }
        assertThat(batch.processingStatus()).isEqualTo(MessageBatch.ProcessingStatus.ENDED);
        assertThat(batch.requestCounts().succeeded()).isEqualTo(5);
        assertThat(batch.requestCounts().errored()).isEqualTo(1);
        assertThat(batch.resultsUrl()).isPresent();
        List<MessageBatchIndividualResponse> results = new ArrayList<>();
        try (StreamResponse<MessageBatchIndividualResponse> stream = client.messages().batches().resultsStreaming(batch.id())) {
            stream.stream().forEach(results::add);
        }
        assertThat(results).hasSize(6);
        assertThat(results).filteredOn(r -> r.result().isSucceeded()).hasSize(5)
                .allMatch(r -> r.result().asSucceeded().message().usage().outputTokens() > 0);
        assertThat(results).filteredOn(r -> r.customId().equals("bad-model"))
                .allMatch(r -> r.result().isErrored());
    }

    @Test
    void theSdksModelListingPagesThroughEveryModel() {
        List<String> ids = new ArrayList<>();
        for (ModelInfo m : client.models().list(ModelListParams.builder().limit(5).build()).autoPager()) {
            ids.add(m.id());
        }
        assertThat(ids).containsExactlyElementsOf(sim.settings().limits().models().models());
        ModelInfo opus = client.models().retrieve("claude-opus-4-5");
        assertThat(opus.displayName()).isEqualTo("Claude Opus 4.5");
    }

    @Test
    void batchesAreListedCancelledAndDeletedThroughTheSdk() throws Exception {
        List<String> created = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            created.add(client.messages().batches().create(BatchCreateParams.builder().addRequest(BatchCreateParams.Request.builder()
                    .customId("only").params(BatchCreateParams.Request.Params.builder().model("claude-haiku-4-5").maxTokens(10)
                            .addUserMessage("x").build()).build()).build()).id());
        }
        List<String> listed = new ArrayList<>();
        for (MessageBatch b : client.messages().batches().list(BatchListParams.builder().limit(2).build()).autoPager()) {
            listed.add(b.id());
        }
        assertThat(listed).as("newest first, over two pages").containsExactly(created.get(2), created.get(1), created.get(0));
        MessageBatch canceling = client.messages().batches().cancel(created.get(0));
        assertThat(canceling.processingStatus()).isEqualTo(MessageBatch.ProcessingStatus.CANCELING);
        assertThat(canceling.cancelInitiatedAt()).isPresent();
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        MessageBatch ended = canceling;
        while (ended.processingStatus() != MessageBatch.ProcessingStatus.ENDED && System.nanoTime() < deadline) {
            Thread.sleep(100);
            ended = client.messages().batches().retrieve(created.get(0));
        }
        assertThat(ended.processingStatus()).isEqualTo(MessageBatch.ProcessingStatus.ENDED);
        DeletedMessageBatch deleted = client.messages().batches().delete(created.get(0));
        assertThat(deleted.id()).isEqualTo(created.get(0));
    }

    @Test
    void a429SurfacesAsTheSdksRateLimitExceptionWithTheHeadersReadable() {
        sim.update(sim.settings().toBuilder().limits(2, 30_000, 8_000).timeScale(100).build());
        client.messages().create(params(10));
        client.messages().create(params(10));
        RateLimitException e = catchThrowableOfType(RateLimitException.class, () -> client.messages().create(params(10)));
        assertThat(e).isNotNull();
        assertThat(e.statusCode()).isEqualTo(429);
        assertThat(e.headers().values("anthropic-ratelimit-requests-limit")).containsExactly("2");
        assertThat(e.headers().values("anthropic-ratelimit-requests-remaining")).containsExactly("0");
        assertThat(e.headers().values("retry-after")).hasSize(1);
        assertThat(e.requestId()).hasValueSatisfying(id -> assertThat(id).startsWith("req_"));
        assertThat(e.getMessage()).contains("requests per minute");
    }
}
