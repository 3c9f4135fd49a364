package dev.pacer.anthropic.functional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pacer.Pacer;
import dev.pacer.anthropic.AnthropicPacer;
import dev.pacer.anthropic.AnthropicQuotaModel;
import dev.pacer.anthropic.MessageStream;
import dev.pacer.anthropic.SseReader;
import dev.pacer.anthropic.StreamFailed;
import dev.pacer.breaker.BreakerState;
import dev.pacer.event.PacerEvent;
import dev.pacer.outcome.OutcomeFamily;
import dev.pacer.quota.Dimension;
import dev.pacer.quota.Priority;
import dev.pacer.retry.RetryPolicy;
import dev.pacer.route.Target;
import dev.pacer.sim.FaultProfile;
import dev.pacer.sim.SimServer;
import dev.pacer.sim.Tier;
import dev.pacer.time.ScaledClock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Paced streaming with Pacer's own client ({@link AnthropicPacer#stream}), against the simulator over real HTTP. */
class AnthropicPacerStreamTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final double SCALE = 60;
    private static final String KEY = "sk-ant-stream-test";

    private final List<PacerEvent> events = new CopyOnWriteArrayList<>();
    private SimServer sim;
    private AnthropicPacer claude;

    @AfterEach
    void stop() {
        if (claude != null) {
            claude.close();
        }
        if (sim != null) {
            sim.close();
        }
    }

    private Pacer pacer(RetryPolicy retries) {
        ScaledClock clock = new ScaledClock(sim.clock().now(), SCALE);
        return Pacer.builder().clock(clock).scheduler(clock).retryPolicy(retries).listener(events::add).build();
    }

    private AnthropicPacer client(Pacer pacer, List<String> fallbacks) {
        return AnthropicPacer.builder().baseUrl(sim.baseUrl()).apiKey(KEY).pacer(pacer).fallbackModels(fallbacks).build();
    }

    private static ObjectNode params(String model, int maxTokens, int output) {
        ObjectNode p = JSON.createObjectNode();
        p.put("model", model);
        p.put("max_tokens", maxTokens);
        p.putObject("metadata").put("user_id", "sim:output_tokens=" + output);
        p.putArray("messages").addObject().put("role", "user").put("content", "Give a short answer about rate limits.");
        return p;
    }

    private static JsonNode json(SseReader.Event e) throws Exception {
        return JSON.readTree(e.data());
    }

    private <T extends PacerEvent> List<T> events(Class<T> type) {
        return events.stream().filter(type::isInstance).map(type::cast).toList();
    }

    private int inFlight(String model) {
        return claude.pacer().quotas().view(claude.quotaKey(model)).inFlight();
    }

    @Test
    void aStreamIsReadToItsEndAndSettlesFromItsFinalCumulativeUsage() throws Exception {
        sim = SimServer.builder().tier(Tier.TIER_2).timeScale(SCALE).start();
        claude = client(pacer(RetryPolicy.defaults()), List.of());
        List<String> names = new ArrayList<>();
        StringBuilder text = new StringBuilder();
        long reportedInput = -1;
        try (MessageStream stream = claude.stream(params("claude-haiku-4-5", 1000, 300), Priority.INTERACTIVE, null).join()) {
            assertThat(stream.model()).isEqualTo("claude-haiku-4-5");
            assertThat(stream.requestId()).startsWith("req_");
            assertThat(stream.call().attempts()).isEqualTo(1);
            for (SseReader.Event e; (e = stream.next()) != null; ) {
                names.add(e.name());
                JsonNode data = json(e);
                if (e.name().equals("message_start")) {
                    reportedInput = data.path("message").path("usage").path("input_tokens").asLong();
                }
                if (e.name().equals("content_block_delta")) {
                    text.append(data.path("delta").path("text").asText());
                }
            }
            assertThat(stream.next()).as("still the end").isNull();
            assertThat(stream.usage().output()).isEqualTo(300);
        }
        assertThat(names.get(0)).isEqualTo("message_start");
        assertThat(names).endsWith("message_delta", "message_stop");
        assertThat(text).isNotEmpty();
        List<PacerEvent.Settled> settled = events(PacerEvent.Settled.class);
        assertThat(settled).hasSize(1);
        assertThat(settled.get(0).actual().get(Dimension.OUTPUT_TOKENS)).isEqualTo(300);
        assertThat(settled.get(0).actual().get(Dimension.INPUT_TOKENS)).isEqualTo(reportedInput);
        // Reserved at the estimate (max_tokens while nothing is learned), settled at what the stream said it cost.
        assertThat(settled.get(0).estimate().get(Dimension.OUTPUT_TOKENS)).isEqualTo(1000);
        assertThat(inFlight("claude-haiku-4-5")).isZero();
        assertThat(sim.stats().path("requests").asLong()).isEqualTo(1);
    }

    @Test
    void aStreamHoldsItsPermitUntilClosedAndThenSettlesOnWhatWasSeen() throws Exception {
        sim = SimServer.builder().tier(Tier.TIER_2).timeScale(SCALE).start();
        claude = client(pacer(RetryPolicy.defaults()), List.of());
        // Long (some 2,500 tokens at the simulator's speed): closed long before its end.
        MessageStream stream = claude.stream(params("claude-haiku-4-5", 4000, 2500), Priority.INTERACTIVE, null).join();
        for (int i = 0; i < 6; i++) {
            assertThat(stream.next()).isNotNull();
        }
        assertThat(inFlight("claude-haiku-4-5")).as("held while the caller reads").isEqualTo(1);
        assertThat(events(PacerEvent.Settled.class)).as("not settled while streaming").isEmpty();
        stream.close();
        assertThat(inFlight("claude-haiku-4-5")).as("freed by close").isZero();
        assertThat(stream.next()).as("a closed stream has ended").isNull();
        stream.close(); // twice is harmless
        List<PacerEvent.Settled> settled = events(PacerEvent.Settled.class);
        assertThat(settled).hasSize(1);
        long output = settled.get(0).actual().get(Dimension.OUTPUT_TOKENS);
        assertThat(output).as("settled on the deltas seen, not on max_tokens nor message_start's 1").isBetween(2L, 2499L);
        assertThat(events(PacerEvent.StreamInterrupted.class)).as("closing early is the caller's choice, not a failure").isEmpty();
    }

    @Test
    void anOverloadedPrimaryFallsBackBeforeTheFirstEventReachesTheCaller() throws Exception {
        sim = SimServer.builder().tier(Tier.TIER_2).timeScale(SCALE).start();
        double now = sim.clock().seconds();
        sim.setFaults(FaultProfile.NONE.withStorms(List.of(new FaultProfile.Storm(now, now + 36_000, 1.0, "opus"))));
        claude = client(pacer(RetryPolicy.defaults()), List.of("claude-sonnet-4-5"));
        List<String> models = new ArrayList<>();
        StringBuilder text = new StringBuilder();
        try (MessageStream stream = claude.stream(params("claude-opus-4-5", 500, 120), Priority.INTERACTIVE, null).join()) {
            assertThat(stream.model()).isEqualTo("claude-sonnet-4-5");
            assertThat(stream.call().skipped()).extracting(s -> s.target().model()).containsExactly("claude-opus-4-5");
            for (SseReader.Event e; (e = stream.next()) != null; ) {
                if (e.name().equals("message_start")) {
                    models.add(json(e).path("message").path("model").asText());
                }
                if (e.name().equals("content_block_delta")) {
                    text.append(json(e).path("delta").path("text").asText());
                }
            }
        }
        // The 529s came before any event: the caller's one stream is the fallback's, from its first event on.
        assertThat(sim.stats().path("responses").path("529").asLong()).isPositive();
        assertThat(models).containsExactly("claude-sonnet-4-5");
        assertThat(text).isNotEmpty();
        assertThat(inFlight("claude-sonnet-4-5")).isZero();
        assertThat(inFlight("claude-opus-4-5")).isZero();
    }

    @Test
    void connectionResetsBeforeTheFirstEventAreRetried() throws Exception {
        sim = SimServer.builder().tier(Tier.TIER_2).timeScale(SCALE).seed(4).faults(FaultProfile.NONE.withErrors(0, 0, 0.4)).start();
        claude = client(pacer(RetryPolicy.builder().maxAttempts(8).baseDelay(Duration.ofMillis(10)).maxDelay(Duration.ofMillis(50)).build()),
                List.of());
        for (int i = 0; i < 8; i++) {
            try (MessageStream stream = claude.stream(params("claude-haiku-4-5", 100, 10), Priority.NORMAL, null).join()) {
                while (stream.next() != null) {
                    // read to the end
                }
                assertThat(stream.usage().output()).isEqualTo(10);
            }
        }
        assertThat(sim.stats().path("faults").path("connection_reset").asLong()).as("resets the streams came through").isPositive();
        assertThat(sim.stats().path("responses").path("200").asLong()).isEqualTo(8);
    }

    @Test
    void aMidStreamOverloadThrowsStreamFailedIsNotRetriedAndTheBreakerHearsIt() throws Exception {
        sim = SimServer.builder().tier(Tier.TIER_2).timeScale(SCALE).faults(FaultProfile.NONE.withMidStreamError(1.0, 4)).start();
        claude = client(pacer(RetryPolicy.defaults()), List.of());
        Target haiku = Target.of("anthropic", "claude-haiku-4-5", claude.quotaKey("claude-haiku-4-5"), AnthropicQuotaModel.instance());
        for (int i = 0; i < 5; i++) {
            assertThat(claude.pacer().breakerState(haiku)).isEqualTo(BreakerState.CLOSED);
            MessageStream stream = claude.stream(params("claude-haiku-4-5", 500, 200), Priority.NORMAL, null).join();
            int read = 0;
            Throwable error;
            try (stream) {
                error = catchThrowable(() -> {
                    while (stream.next() != null) {
                        // read until it breaks
                    }
                });
                read = events(PacerEvent.Settled.class).size();
                assertThat(catchThrowable(stream::next)).as("it stays broken").isSameAs(error);
            }
            assertThat(error).isInstanceOf(StreamFailed.class);
            StreamFailed failed = (StreamFailed) error;
            assertThat(failed.outcome().family()).isEqualTo(OutcomeFamily.OVERLOADED);
            assertThat(failed.outcome().errorType()).isEqualTo("overloaded_error");
            assertThat(failed.model()).isEqualTo("claude-haiku-4-5");
            assertThat(failed.getMessage()).contains("broke off after 4 events").contains("overloaded_error: Overloaded")
                    .contains("(request-id " + stream.requestId() + ")");
            assertThat(read).as("settled when it broke, before the caller closed it").isEqualTo(i + 1);
            assertThat(inFlight("claude-haiku-4-5")).isZero();
        }
        assertThat(sim.stats().path("requests").asLong()).as("a stream that began is never retried").isEqualTo(5);
        assertThat(events(PacerEvent.StreamInterrupted.class)).hasSize(5)
                .allSatisfy(e -> assertThat(e.outcome().family()).isEqualTo(OutcomeFamily.OVERLOADED));
        // Five breaks in a row: the default breaker opens, as it would have for five 529s.
        assertThat(claude.pacer().breakerState(haiku)).isEqualTo(BreakerState.OPEN);
    }

    @Test
    void aStreamNeitherReadNorClosedGivesItsSlotBackAtItsTimeout() throws Exception {
        double scale = 600; // the streaming timeout is at least 600 s: one second here
        sim = SimServer.builder().tier(Tier.TIER_2).timeScale(scale).start();
        ScaledClock clock = new ScaledClock(sim.clock().now(), scale);
        dev.pacer.anthropic.AnthropicHttp http = dev.pacer.anthropic.AnthropicHttp.builder().baseUrl(sim.baseUrl()).apiKey(KEY)
                .scheduler(clock).build();
        claude = AnthropicPacer.builder().http(http).pacer(Pacer.builder().clock(clock).scheduler(clock).listener(events::add).build())
                .build();
        MessageStream abandoned = claude.stream(params("claude-haiku-4-5", 4000, 3000), Priority.NORMAL, null).join();
        assertThat(inFlight("claude-haiku-4-5")).isEqualTo(1);
        long until = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (inFlight("claude-haiku-4-5") > 0 && System.nanoTime() < until) {
            Thread.sleep(20);
        }
        assertThat(inFlight("claude-haiku-4-5")).as("freed at the timeout").isZero();
        assertThat(events(PacerEvent.StreamInterrupted.class)).singleElement()
                .satisfies(e -> assertThat(e.outcome().family()).isEqualTo(OutcomeFamily.TIMEOUT));
        Throwable late = catchThrowable(abandoned::next);
        assertThat(late).isInstanceOf(StreamFailed.class).hasMessageContaining("neither read to its end nor closed");
        abandoned.close();
        http.close();
    }
}
