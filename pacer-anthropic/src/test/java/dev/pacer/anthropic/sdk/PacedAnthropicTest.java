package dev.pacer.anthropic.sdk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.anthropic.client.AnthropicClient;
import com.anthropic.client.okhttp.AnthropicOkHttpClient;
import com.anthropic.core.http.StreamResponse;
import com.anthropic.errors.AnthropicIoException;
import com.anthropic.errors.RateLimitException;
import com.anthropic.errors.SseException;
import com.anthropic.models.messages.Message;
import com.anthropic.models.messages.MessageCountTokensParams;
import com.anthropic.models.messages.MessageCreateParams;
import com.anthropic.models.messages.Metadata;
import com.anthropic.models.messages.RawMessageStreamEvent;
import com.anthropic.models.messages.batches.BatchCreateParams;
import com.anthropic.models.messages.batches.MessageBatch;
import com.anthropic.models.messages.batches.MessageBatchIndividualResponse;
import dev.pacer.Pacer;
import dev.pacer.anthropic.AnthropicQuotaKeys;
import dev.pacer.anthropic.AnthropicQuotaModel;
import dev.pacer.anthropic.ApiKey;
import dev.pacer.breaker.BreakerState;
import dev.pacer.quota.QuotaKey;
import dev.pacer.retry.RetryPolicy;
import dev.pacer.route.Target;
import dev.pacer.sim.FaultProfile;
import dev.pacer.sim.SimServer;
import dev.pacer.sim.Tier;
import dev.pacer.time.ScaledClock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The official SDK with Pacer inside, against the simulator. */
class PacedAnthropicTest {

    private static final double SCALE = 60;
    private static final String KEY = "sk-ant-sdk-test";
    private SimServer sim;
    private AnthropicClient client;

    @AfterEach
    void stop() {
        if (client != null) {
            client.close();
        }
        if (sim != null) {
            sim.close();
        }
    }

    private Pacer pacer() {
        ScaledClock clock = new ScaledClock(sim.clock().now(), SCALE);
        return Pacer.builder().clock(clock).scheduler(clock).build();
    }

    private AnthropicClient client(PacedAnthropic.Options options) {
        return PacedAnthropic.wrap(AnthropicOkHttpClient.builder().baseUrl(sim.baseUrl()).apiKey(KEY).timeout(Duration.ofSeconds(120)), options);
    }

    private static MessageCreateParams params(String model, long maxTokens, int output) {
        return MessageCreateParams.builder().model(model).maxTokens(maxTokens)
                .metadata(Metadata.builder().userId("sim:output_tokens=" + output).build())
                .addUserMessage("Give a short answer about rate limits.").build();
    }

    private static QuotaKey key(String pool) {
        return AnthropicQuotaKeys.forModelClass(ApiKey.of(KEY), pool);
    }

    @Test
    void aBurstOf200ConcurrentSdkCallsOnTier1GetsNo429AndFewOnTheWire() throws Exception {
        sim = SimServer.builder().tier(Tier.TIER_1).timeScale(SCALE).seed(11).start();
        client = client(PacedAnthropic.options().pacer(pacer()));
        try (ExecutorService users = Executors.newVirtualThreadPerTaskExecutor()) {
            List<CompletableFuture<Message>> calls = new ArrayList<>();
            for (int i = 0; i < 200; i++) {
                calls.add(CompletableFuture.supplyAsync(() -> client.messages().create(params("claude-sonnet-4-5", 1024, 40)), users));
            }
            for (CompletableFuture<Message> call : calls) {
                assertThat(call.join().usage().outputTokens()).isEqualTo(40);
            }
        }
        assertThat(sim.stats().path("responses").path("429").asLong()).as("429s on the wire").isLessThanOrEqualTo(5);
        assertThat(sim.stats().path("responses").path("200").asLong()).isEqualTo(200);
    }

    @Test
    void aStreamHoldsItsPermitUntilClosedAndSettlesFromItsFinalUsage() throws Exception {
        sim = SimServer.builder().tier(Tier.TIER_2).timeScale(SCALE).start();
        Pacer pacer = pacer();
        client = client(PacedAnthropic.options().pacer(pacer));
        StringBuilder text = new StringBuilder();
        // Long enough (about 90 KB) that the SDK's reader cannot have pulled it all in at once.
        try (StreamResponse<RawMessageStreamEvent> stream = client.messages().createStreaming(params("claude-haiku-4-5", 4000, 2500))) {
            var events = stream.stream().iterator();
            for (int i = 0; i < 3; i++) {
                events.next();
            }
            assertThat(pacer.quotas().view(key("haiku-4-5")).inFlight()).as("held while streaming").isEqualTo(1);
            events.forEachRemaining(e -> e.contentBlockDelta().ifPresent(d -> d.delta().text().ifPresent(t -> text.append(t.text()))));
        }
        assertThat(text).isNotEmpty();
        assertThat(pacer.quotas().view(key("haiku-4-5")).inFlight()).isZero();
    }

    @Test
    void aMidStreamOverloadSurfacesAsTheSdksTypedExceptionAndReleasesThePermit() throws Exception {
        sim = SimServer.builder().tier(Tier.TIER_2).timeScale(SCALE).faults(FaultProfile.NONE.withMidStreamError(1.0, 4)).start();
        Pacer pacer = pacer();
        client = client(PacedAnthropic.options().pacer(pacer));
        Throwable error;
        try (StreamResponse<RawMessageStreamEvent> stream = client.messages().createStreaming(params("claude-haiku-4-5", 500, 200))) {
            error = catchThrowable(() -> stream.stream().forEach(e -> { }));
        }
        assertThat(error).isInstanceOf(SseException.class);
        assertThat(((SseException) error).type()).hasValueSatisfying(t -> assertThat(t.toString()).contains("overloaded"));
        assertThat(pacer.quotas().view(key("haiku-4-5")).inFlight()).isZero();
    }

    @Test
    void anOverloadedPrimaryFallsBackTheResponseSaysWhichModelAnsweredAndTheBreakerOpens() throws Exception {
        sim = SimServer.builder().tier(Tier.TIER_2).timeScale(SCALE).start();
        double now = sim.clock().seconds();
        sim.setFaults(FaultProfile.NONE.withStorms(List.of(new FaultProfile.Storm(now, now + 36_000, 1.0, "opus"))));
        Pacer pacer = pacer();
        client = client(PacedAnthropic.options().pacer(pacer).fallbackModels(List.of("claude-sonnet-4-5")));
        for (int i = 0; i < 12; i++) {
            Message m = client.messages().create(params("claude-opus-4-5", 256, 30));
            assertThat(m.model().asString()).isEqualTo("claude-sonnet-4-5");
        }
        Target opus = Target.of("anthropic", "claude-opus-4-5", key("opus-4"), AnthropicQuotaModel.instance());
        assertThat(pacer.breakerState(opus)).isNotEqualTo(BreakerState.CLOSED);
        // 5 failures in a row open it; the budget caps the retries before that.
        assertThat(sim.stats().path("responses").path("529").asLong()).isLessThanOrEqualTo(8);
    }

    @Test
    void whenEveryAttemptIsRateLimitedTheSdkRaisesItsOwnRateLimitException() throws Exception {
        sim = SimServer.builder().limits(1, 30_000, 8_000).timeScale(1).start();
        ScaledClock clock = new ScaledClock(sim.clock().now(), 1);
        Pacer pacer = Pacer.builder().clock(clock).scheduler(clock)
                .retryPolicy(RetryPolicy.builder().maxRateLimitedRetries(0).build()).coldStartConcurrency(10).build();
        client = client(PacedAnthropic.options().pacer(pacer));
        client.messages().create(params("claude-sonnet-4-5", 50, 5));
        // A second client (another process) on the same key has no idea the minute's request is gone.
        AnthropicClient other = client(PacedAnthropic.options().pacer(Pacer.builder().clock(clock).scheduler(clock)
                .retryPolicy(RetryPolicy.builder().maxRateLimitedRetries(0).build()).build()));
        Throwable error = catchThrowable(() -> other.messages().create(params("claude-sonnet-4-5", 50, 5)));
        other.close();
        assertThat(error).isInstanceOf(RateLimitException.class);
        assertThat(((RateLimitException) error).headers().values("anthropic-ratelimit-requests-limit")).containsExactly("1");
    }

    @Test
    void countTokensGoesThroughItsOwnBucket() throws Exception {
        sim = SimServer.builder().tier(Tier.TIER_1).timeScale(SCALE).start();
        Pacer pacer = pacer();
        client = client(PacedAnthropic.options().pacer(pacer));
        long n = client.messages().countTokens(MessageCountTokensParams.builder().model("claude-sonnet-4-5")
                .addUserMessage("How many tokens is this?").build()).inputTokens();
        assertThat(n).isPositive();
        assertThat(pacer.quotas().view(key("count_tokens")).dimension(dev.pacer.quota.Dimension.REQUESTS).limit().perMinuteRate())
                .isEqualTo(100.0);
    }

    @Test
    void theBatchesEndpointsPassThroughTheWrappedClient() throws Exception {
        sim = SimServer.builder().tier(Tier.TIER_1).timeScale(SCALE).configure(s -> s.batches(5, 100_000)).start();
        client = client(PacedAnthropic.options().pacer(pacer()));
        BatchCreateParams.Builder create = BatchCreateParams.builder();
        for (int i = 0; i < 3; i++) {
            create.addRequest(BatchCreateParams.Request.builder().customId("req-" + i)
                    .params(BatchCreateParams.Request.Params.builder().model("claude-sonnet-4-5").maxTokens(50)
                            .addUserMessage("Item " + i).build()).build());
        }
        MessageBatch batch = client.messages().batches().create(create.build());
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (batch.processingStatus() != MessageBatch.ProcessingStatus.ENDED && System.nanoTime() < deadline) {
            Thread.sleep(100);
            batch = client.messages().batches().retrieve(batch.id());
        }
        assertThat(batch.requestCounts().succeeded()).isEqualTo(3);
        List<MessageBatchIndividualResponse> results = new ArrayList<>();
        try (StreamResponse<MessageBatchIndividualResponse> stream = client.messages().batches().resultsStreaming(batch.id())) {
            stream.stream().forEach(results::add);
        }
        assertThat(results).hasSize(3).allMatch(r -> r.result().isSucceeded());
    }

    @Test
    void connectionResetsAreRetriedByPacerAndTheLastSurfacesAsTheSdksOwnException() throws Exception {
        sim = SimServer.builder().tier(Tier.TIER_2).timeScale(SCALE).seed(4).faults(FaultProfile.NONE.withErrors(0, 0, 0.4)).start();
        ScaledClock clock = new ScaledClock(sim.clock().now(), SCALE);
        RetryPolicy retries = RetryPolicy.builder().maxAttempts(8).baseDelay(Duration.ofMillis(10)).maxDelay(Duration.ofMillis(50)).build();
        client = client(PacedAnthropic.options().pacer(Pacer.builder().clock(clock).scheduler(clock).retryPolicy(retries).build()));
        for (int i = 0; i < 10; i++) {
            assertThat(client.messages().create(params("claude-haiku-4-5", 100, 10)).usage().outputTokens()).isEqualTo(10);
        }
        long resets = sim.stats().path("faults").path("connection_reset").asLong();
        assertThat(resets).as("resets the calls came through").isPositive();
        assertThat(sim.stats().path("responses").path("200").asLong()).isEqualTo(10);

        // Every attempt reset: after Pacer's attempts the caller sees the SDK's own exception, not an engine error.
        sim.setFaults(FaultProfile.NONE.withErrors(0, 0, 1.0));
        long before = sim.stats().path("requests").asLong();
        AnthropicClient twoAttempts = client(PacedAnthropic.options().pacer(Pacer.builder().clock(clock).scheduler(clock)
                .retryPolicy(RetryPolicy.builder().maxAttempts(2).baseDelay(Duration.ofMillis(10)).build()).build()));
        Throwable error = catchThrowable(() -> twoAttempts.messages().create(params("claude-haiku-4-5", 100, 10)));
        twoAttempts.close();
        assertThat(error).isInstanceOf(AnthropicIoException.class);
        assertThat(sim.stats().path("requests").asLong() - before).as("attempts on the wire").isEqualTo(2);
    }

    @Test
    void theSdksOwnRetriesAreOffSoOneRetryPolicyRunsWhetherABuilderOrABuiltClientIsWrapped() throws Exception {
        sim = SimServer.builder().tier(Tier.TIER_2).timeScale(SCALE).faults(FaultProfile.NONE.withOverloaded(1.0)).start();
        ScaledClock clock = new ScaledClock(sim.clock().now(), SCALE);
        PacedAnthropic.Options oneAttempt = PacedAnthropic.options().pacer(Pacer.builder().clock(clock).scheduler(clock)
                .retryPolicy(RetryPolicy.builder().maxAttempts(1).build()).build());
        // The SDK's default is two retries of a 529: three requests on the wire per call if they were left on.
        AnthropicOkHttpClient.Builder builder = AnthropicOkHttpClient.builder().baseUrl(sim.baseUrl()).apiKey(KEY).maxRetries(2);
        client = PacedAnthropic.wrap(builder, oneAttempt);
        Throwable fromBuilder = catchThrowable(() -> client.messages().create(params("claude-haiku-4-5", 100, 10)));
        assertThat(fromBuilder).isInstanceOf(com.anthropic.errors.AnthropicServiceException.class);
        assertThat(sim.stats().path("requests").asLong()).as("requests on the wire, wrapped builder").isEqualTo(1);

        AnthropicClient built = AnthropicOkHttpClient.builder().baseUrl(sim.baseUrl()).apiKey(KEY).maxRetries(2).build();
        AnthropicClient wrapped = PacedAnthropic.wrap(built, PacedAnthropic.options().pacer(Pacer.builder().clock(clock).scheduler(clock)
                .retryPolicy(RetryPolicy.builder().maxAttempts(1).build()).build()));
        Throwable fromClient = catchThrowable(() -> wrapped.messages().create(params("claude-haiku-4-5", 100, 10)));
        wrapped.close();
        built.close();
        assertThat(fromClient).isInstanceOf(com.anthropic.errors.AnthropicServiceException.class);
        assertThat(sim.stats().path("requests").asLong()).as("requests on the wire, wrapped client").isEqualTo(2);
    }

    private Pacer pacer(List<dev.pacer.event.PacerEvent.Settled> settled) {
        ScaledClock clock = new ScaledClock(sim.clock().now(), SCALE);
        return Pacer.builder().clock(clock).scheduler(clock).listener(e -> {
            if (e instanceof dev.pacer.event.PacerEvent.Settled s) {
                settled.add(s);
            }
        }).build();
    }

    @Test
    void aStreamSettlesOnTheCumulativeUsageOfItsLastMessageDelta() throws Exception {
        sim = SimServer.builder().tier(Tier.TIER_2).timeScale(SCALE).start();
        List<dev.pacer.event.PacerEvent.Settled> settled = new java.util.concurrent.CopyOnWriteArrayList<>();
        client = client(PacedAnthropic.options().pacer(pacer(settled)));
        long[] reported = new long[2];
        try (StreamResponse<RawMessageStreamEvent> stream = client.messages().createStreaming(params("claude-haiku-4-5", 1000, 300))) {
            stream.stream().forEach(e -> {
                e.messageStart().ifPresent(m -> reported[0] = m.message().usage().inputTokens());
                e.messageDelta().ifPresent(d -> reported[1] = d.usage().outputTokens());
            });
        }
        assertThat(reported[1]).isEqualTo(300);
        assertThat(settled).hasSize(1);
        dev.pacer.quota.Cost actual = settled.get(0).actual();
        assertThat(actual.get(dev.pacer.quota.Dimension.OUTPUT_TOKENS)).isEqualTo(300);
        assertThat(actual.get(dev.pacer.quota.Dimension.INPUT_TOKENS)).isEqualTo(reported[0]);
        // The reservation was the estimate (max_tokens while nothing is learned), not the final figure.
        assertThat(settled.get(0).estimate().get(dev.pacer.quota.Dimension.OUTPUT_TOKENS)).isEqualTo(1000);
    }

    @Test
    void aStreamCutOffMidwaySettlesOnTheOutputItsDeltasCarriedNotOnMessageStart() throws Exception {
        sim = SimServer.builder().tier(Tier.TIER_2).timeScale(SCALE)
                .faults(FaultProfile.NONE.withMidStreamError(0, 80).withStreamReset(1.0)).start();
        List<dev.pacer.event.PacerEvent.Settled> settled = new java.util.concurrent.CopyOnWriteArrayList<>();
        client = client(PacedAnthropic.options().pacer(pacer(settled)));
        Throwable error;
        try (StreamResponse<RawMessageStreamEvent> stream = client.messages().createStreaming(params("claude-haiku-4-5", 4000, 2000))) {
            error = catchThrowable(() -> stream.stream().forEach(e -> { }));
        }
        assertThat(error).as("the dropped connection reaches the caller").isNotNull();
        assertThat(sim.stats().path("faults").path("stream_reset").asLong()).isEqualTo(1);
        long generated = sim.snapshot().pool(KEY, "haiku-4-5").outputTokens().admitted();
        assertThat(generated).as("output the simulator counted before the drop").isGreaterThan(50);
        assertThat(settled).hasSize(1);
        long settledOutput = settled.get(0).actual().get(dev.pacer.quota.Dimension.OUTPUT_TOKENS);
        // message_start said output_tokens: 1; the deltas seen before the drop say what was really generated.
        assertThat(settledOutput).isBetween(generated / 2, generated * 2);
    }

    @Test
    void aStreamFallsBackBeforeItsFirstEventAndItsMessageSaysWhichModelAnswered() throws Exception {
        sim = SimServer.builder().tier(Tier.TIER_2).timeScale(SCALE).start();
        double now = sim.clock().seconds();
        sim.setFaults(FaultProfile.NONE.withStorms(List.of(new FaultProfile.Storm(now, now + 36_000, 1.0, "opus"))));
        Pacer pacer = pacer();
        client = client(PacedAnthropic.options().pacer(pacer).fallbackModels(List.of("claude-sonnet-4-5")));
        List<String> models = new ArrayList<>();
        StringBuilder text = new StringBuilder();
        try (StreamResponse<RawMessageStreamEvent> stream = client.messages().createStreaming(params("claude-opus-4-5", 500, 120))) {
            stream.stream().forEach(e -> {
                e.messageStart().ifPresent(m -> models.add(m.message().model().asString()));
                e.contentBlockDelta().ifPresent(d -> d.delta().text().ifPresent(t -> text.append(t.text())));
            });
        }
        // The 529s came before any event: the caller's one stream is the fallback's, from its first event on.
        assertThat(sim.stats().path("responses").path("529").asLong()).isPositive();
        assertThat(models).containsExactly("claude-sonnet-4-5");
        assertThat(text).isNotEmpty();
        assertThat(pacer.quotas().view(key("sonnet-4")).inFlight()).isZero();
    }

    @Test
    void theOutcomesTheEngineHearsQuoteTheProvidersRequestId() throws Exception {
        sim = SimServer.builder().tier(Tier.TIER_2).timeScale(SCALE).faults(FaultProfile.NONE.withOverloaded(1.0)).start();
        ScaledClock clock = new ScaledClock(sim.clock().now(), SCALE);
        List<String> heard = new java.util.concurrent.CopyOnWriteArrayList<>();
        client = client(PacedAnthropic.options().pacer(Pacer.builder().clock(clock).scheduler(clock)
                .retryPolicy(RetryPolicy.builder().maxAttempts(1).build()).listener(e -> {
                    if (e instanceof dev.pacer.event.PacerEvent.AttemptFinished f) {
                        heard.add(f.outcome().describe());
                    }
                }).build()));
        Throwable error = catchThrowable(() -> client.messages().create(params("claude-haiku-4-5", 100, 10)));
        assertThat(error).isInstanceOf(com.anthropic.errors.AnthropicServiceException.class);
        String requestId = ((com.anthropic.errors.AnthropicServiceException) error).headers().values("request-id").get(0);
        assertThat(heard).containsExactly("529 overloaded_error: Overloaded (request-id " + requestId + ")");
    }

    @Test
    void streamsThatKeepBreakingOffMidwayOpenTheModelsBreaker() throws Exception {
        sim = SimServer.builder().tier(Tier.TIER_2).timeScale(SCALE).faults(FaultProfile.NONE.withMidStreamError(1.0, 4)).start();
        List<dev.pacer.event.PacerEvent.StreamInterrupted> interrupted = new java.util.concurrent.CopyOnWriteArrayList<>();
        ScaledClock clock = new ScaledClock(sim.clock().now(), SCALE);
        Pacer pacer = Pacer.builder().clock(clock).scheduler(clock).listener(e -> {
            if (e instanceof dev.pacer.event.PacerEvent.StreamInterrupted i) {
                interrupted.add(i);
            }
        }).build();
        client = client(PacedAnthropic.options().pacer(pacer));
        Target haiku = Target.of("anthropic", "claude-haiku-4-5", key("haiku-4-5"), AnthropicQuotaModel.instance());
        // The default breaker opens after 5 provider failures in a row: here every one is a stream that began and broke off.
        for (int i = 0; i < 5; i++) {
            assertThat(pacer.breakerState(haiku)).as("before stream " + i).isEqualTo(BreakerState.CLOSED);
            Throwable error;
            try (StreamResponse<RawMessageStreamEvent> stream = client.messages().createStreaming(params("claude-haiku-4-5", 500, 200))) {
                error = catchThrowable(() -> stream.stream().forEach(e -> { }));
            }
            assertThat(error).as("the caller still gets the SDK's typed exception").isInstanceOf(SseException.class);
        }
        assertThat(pacer.breakerState(haiku)).isEqualTo(BreakerState.OPEN);
        assertThat(interrupted).hasSize(5).allSatisfy(i -> {
            assertThat(i.outcome().family()).isEqualTo(dev.pacer.outcome.OutcomeFamily.OVERLOADED);
            assertThat(i.outcome().errorType()).isEqualTo("overloaded_error");
        });
        assertThat(pacer.quotas().view(key("haiku-4-5")).inFlight()).isZero();
        assertThat(sim.stats().path("requests").asLong()).as("a stream that began is never retried").isEqualTo(5);
    }

    @Test
    void aMidStreamErrorIsHeardAsTheSameErrorBeforeTheStreamWouldBe() throws Exception {
        for (String type : FaultProfile.MID_STREAM_ERROR_TYPES) {
            sim = SimServer.builder().tier(Tier.TIER_2).timeScale(SCALE)
                    .faults(FaultProfile.NONE.withMidStreamError(1.0, 3).withMidStreamErrorType(type)).start();
            List<dev.pacer.event.PacerEvent.StreamInterrupted> interrupted = new java.util.concurrent.CopyOnWriteArrayList<>();
            ScaledClock clock = new ScaledClock(sim.clock().now(), SCALE);
            client = client(PacedAnthropic.options().pacer(Pacer.builder().clock(clock).scheduler(clock).listener(e -> {
                if (e instanceof dev.pacer.event.PacerEvent.StreamInterrupted i) {
                    interrupted.add(i);
                }
            }).build()));
            try (StreamResponse<RawMessageStreamEvent> stream = client.messages().createStreaming(params("claude-haiku-4-5", 500, 200))) {
                assertThat(catchThrowable(() -> stream.stream().forEach(e -> { }))).isInstanceOf(SseException.class);
            }
            dev.pacer.outcome.OutcomeFamily expected = switch (type) {
                case "overloaded_error" -> dev.pacer.outcome.OutcomeFamily.OVERLOADED;
                case "rate_limit_error" -> dev.pacer.outcome.OutcomeFamily.RATE_LIMITED;
                default -> dev.pacer.outcome.OutcomeFamily.SERVER_ERROR;
            };
            assertThat(interrupted).as(type).singleElement().satisfies(i -> assertThat(i.outcome().family()).isEqualTo(expected));
            // The stream's request id, for the caller's support ticket (the documented error event carries none).
            assertThat(interrupted.get(0).outcome().message()).matches(".* \\(request-id req_[A-Za-z0-9]{24}\\)");
            client.close();
            client = null;
            sim.close();
        }
        sim = null;
    }

    @Test
    void aLargeRequestIsReservedAtTheProvidersOwnCountWhenCountTokensIsOn() throws Exception {
        sim = SimServer.builder().tier(Tier.TIER_1).timeScale(SCALE).seed(11).start();
        ScaledClock clock = new ScaledClock(sim.clock().now(), SCALE);
        List<Long> admittedInput = new java.util.concurrent.CopyOnWriteArrayList<>();
        Pacer pacer = Pacer.builder().clock(clock).scheduler(clock).listener(e -> {
            if (e instanceof dev.pacer.event.PacerEvent.Admitted a && a.key().equals(key("sonnet-4"))) {
                admittedInput.add(a.cost().get(dev.pacer.quota.Dimension.INPUT_TOKENS));
            }
        }).build();
        client = client(PacedAnthropic.options().pacer(pacer).countTokensAbove(1_000));
        Message big = client.messages().create(MessageCreateParams.builder().model("claude-sonnet-4-5").maxTokens(64)
                .addUserMessage("Summarize: " + "the quota bucket ".repeat(1_500)).build());
        Message small = client.messages().create(params("claude-sonnet-4-5", 64, 10));
        // The large one was counted by the provider first, and reserved at exactly that count.
        assertThat(admittedInput.get(0)).isEqualTo(big.usage().inputTokens());
        assertThat(sim.snapshot().pool(KEY, "count_tokens").requests().admitted()).isEqualTo(1);
        // The small one was not worth a round trip.
        assertThat(small.usage().inputTokens()).isLessThan(1_000);
        assertThat(sim.snapshot().responses(200)).isEqualTo(3);
        assertThat(catchThrowable(() -> PacedAnthropic.options().countTokensAbove(-1))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("countTokensAbove");
    }
}
