package dev.pacer.anthropic.functional;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pacer.CallFailed;
import dev.pacer.Pacer;
import dev.pacer.anthropic.AnthropicPacer;
import dev.pacer.anthropic.AnthropicQuotaKeys;
import dev.pacer.anthropic.AnthropicQuotaModel;
import dev.pacer.anthropic.ApiKey;
import dev.pacer.breaker.BreakerState;
import dev.pacer.outcome.OutcomeFamily;
import dev.pacer.quota.Dimension;
import dev.pacer.quota.Limit;
import dev.pacer.quota.Priority;
import dev.pacer.sim.FaultProfile;
import dev.pacer.sim.SimServer;
import dev.pacer.sim.Tier;
import dev.pacer.time.ScaledClock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;

/** Claude through Pacer's own client, against the simulator over real HTTP. */
class AnthropicPacerTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final double SCALE = 60;

    private static ObjectNode params(String model, int maxTokens, int words, int output) {
        ObjectNode p = JSON.createObjectNode();
        p.put("model", model);
        p.put("max_tokens", maxTokens);
        p.putObject("metadata").put("user_id", "sim:output_tokens=" + output);
        p.putArray("messages").addObject().put("role", "user").put("content", "Summarize: " + "the quota bucket ".repeat(words));
        return p;
    }

    private static AnthropicPacer client(SimServer sim, Pacer pacer, List<String> fallbacks) {
        return AnthropicPacer.builder().baseUrl(sim.baseUrl()).apiKey("sk-ant-test-key").pacer(pacer).fallbackModels(fallbacks).build();
    }

    @Test
    void aBurstOf200CallsOnTier1CompletesWithoutA429ReachingTheCaller() throws Exception {
        try (SimServer sim = SimServer.builder().tier(Tier.TIER_1).timeScale(SCALE).seed(3).start()) {
            ScaledClock clock = new ScaledClock(sim.clock().now(), SCALE);
            dev.pacer.quota.QuotaKey key = AnthropicQuotaKeys.forModelClass(ApiKey.of("sk-ant-test-key"), "sonnet-4");
            Pacer pacer = Pacer.builder().clock(clock).scheduler(clock)
                    .limit(key, Dimension.REQUESTS, Limit.perMinute(50))
                    .limit(key, Dimension.INPUT_TOKENS, Limit.perMinute(30_000))
                    .limit(key, Dimension.OUTPUT_TOKENS, Limit.perMinute(8_000))
                    .build();
            try (AnthropicPacer claude = client(sim, pacer, List.of())) {
                List<CompletableFuture<AnthropicPacer.Reply>> calls = new ArrayList<>();
                for (int i = 0; i < 200; i++) {
                    calls.add(claude.messages(params("claude-sonnet-4-5", 1024, 20 + i % 50, 20 + (i * 37) % 100), Priority.BULK, null));
                }
                CompletableFuture.allOf(calls.toArray(CompletableFuture[]::new)).join();
                assertThat(calls).allMatch(f -> f.join().usage().output() > 0);
                long wire429 = sim.stats().path("responses").path("429").asLong();
                assertThat(wire429).as("429s on the wire").isLessThanOrEqualTo(5);
                assertThat(sim.maxWindowOveradmission()).isZero();
            }
        }
    }

    @Test
    void withNoLimitsConfiguredTheyAreLearnedFromTheFirstResponses() throws Exception {
        try (SimServer sim = SimServer.builder().limits(40, 20_000, 4_000).timeScale(SCALE).seed(5).start()) {
            ScaledClock clock = new ScaledClock(sim.clock().now(), SCALE);
            Pacer pacer = Pacer.builder().clock(clock).scheduler(clock).build();
            try (AnthropicPacer claude = client(sim, pacer, List.of())) {
                List<CompletableFuture<AnthropicPacer.Reply>> calls = new ArrayList<>();
                for (int i = 0; i < 120; i++) {
                    calls.add(claude.messages(params("claude-haiku-4-5", 512, 30, 40), Priority.NORMAL, null));
                }
                CompletableFuture.allOf(calls.toArray(CompletableFuture[]::new)).join();
                var view = pacer.quotas().view(claude.quotaKey("claude-haiku-4-5"));
                assertThat(view.dimension(Dimension.REQUESTS).limit()).isEqualTo(Limit.perMinute(40));
                assertThat(view.dimension(Dimension.OUTPUT_TOKENS).limit()).isEqualTo(Limit.perMinute(4_000));
                assertThat(sim.stats().path("responses").path("429").asLong()).isLessThanOrEqualTo(5);
            }
        }
    }

    @Test
    void twoIndependentClientsOnOneKeyConvergeWithoutASharedStore() throws Exception {
        // A slower time scale than the others: at 60x a 20 ms stall of a loaded machine is a simulated
        // second, enough to change who sees whose usage first; 20x keeps the test about the algorithm.
        final double SCALE = 20;
        try (SimServer sim = SimServer.builder().limits(60, 30_000, 6_000).timeScale(SCALE).seed(6).start()) {
            List<CompletableFuture<AnthropicPacer.Reply>> calls = new ArrayList<>();
            List<AnthropicPacer> clients = new ArrayList<>();
            for (int c = 0; c < 2; c++) {
                ScaledClock clock = new ScaledClock(sim.clock().now(), SCALE);
                AnthropicPacer claude = client(sim, Pacer.builder().clock(clock).scheduler(clock).build(), List.of());
                clients.add(claude);
                for (int i = 0; i < 100; i++) {
                    calls.add(claude.messages(params("claude-sonnet-4-5", 512, 40, 60), Priority.BULK, null));
                }
            }
            CompletableFuture.allOf(calls.toArray(CompletableFuture[]::new)).join();
            long wire429 = sim.stats().path("responses").path("429").asLong();
            // Each learns the limits and sees the other's usage in the headers: a few 429s, no storm.
            assertThat(wire429).as("429s on the wire").isLessThan(30);
            assertThat(calls).allMatch(f -> !f.isCompletedExceptionally());
            clients.forEach(AnthropicPacer::close);
        }
    }

    @Test
    void anOverloadedPrimaryFallsBackAndItsBreakerOpens() throws Exception {
        try (SimServer sim = SimServer.builder().tier(Tier.TIER_2).timeScale(SCALE).seed(8).start()) {
            double now = sim.clock().seconds();
            sim.setFaults(FaultProfile.NONE.withStorms(List.of(new FaultProfile.Storm(now, now + 36_000, 1.0, "opus"))));
            ScaledClock clock = new ScaledClock(sim.clock().now(), SCALE);
            Pacer pacer = Pacer.builder().clock(clock).scheduler(clock).build();
            try (AnthropicPacer claude = client(sim, pacer, List.of("claude-sonnet-4-5"))) {
                List<CompletableFuture<AnthropicPacer.Reply>> calls = new ArrayList<>();
                for (int wave = 0; wave < 6; wave++) { // interactive traffic: 10 users at a time
                    List<CompletableFuture<AnthropicPacer.Reply>> inWave = new ArrayList<>();
                    for (int i = 0; i < 10; i++) {
                        inWave.add(claude.messages(params("claude-opus-4-5", 256, 10, 20), Priority.INTERACTIVE, null));
                    }
                    CompletableFuture.allOf(inWave.toArray(CompletableFuture[]::new)).join();
                    calls.addAll(inWave);
                }
                assertThat(calls).allMatch(f -> f.join().model().equals("claude-sonnet-4-5"));
                var opus = dev.pacer.route.Target.of("anthropic", "claude-opus-4-5", claude.quotaKey("claude-opus-4-5"), AnthropicQuotaModel.instance());
                assertThat(pacer.breakerState(opus)).isNotEqualTo(BreakerState.CLOSED);
                long overloaded = sim.stats().path("responses").path("529").asLong();
                // The breaker and the budget keep the primary from being hammered: once open, calls go straight to the fallback.
                assertThat(overloaded).isLessThanOrEqualTo(20);
            }
        }
    }

    @Test
    void aRequestErrorFailsAtOnceWithTheProvidersMessage() throws Exception {
        try (SimServer sim = SimServer.builder().timeScale(SCALE).start()) {
            ScaledClock clock = new ScaledClock(sim.clock().now(), SCALE);
            try (AnthropicPacer claude = client(sim, Pacer.builder().clock(clock).scheduler(clock).build(), List.of("claude-haiku-4-5"))) {
                ObjectNode bad = params("claude-sonnet-4-5", 100, 3, 5);
                bad.remove("messages");
                try {
                    claude.messages(bad, Priority.NORMAL, null).join();
                    throw new AssertionError("expected a failure");
                } catch (CompletionException e) {
                    CallFailed failed = (CallFailed) e.getCause();
                    assertThat(failed.outcome().family()).isEqualTo(OutcomeFamily.REQUEST_ERROR);
                    // The provider's message, and the request id to quote to its support.
                    assertThat(failed.outcome().message()).matches("messages: Field required \\(request-id req_[A-Za-z0-9]{24}\\)");
                    assertThat(failed.getMessage()).contains("messages: Field required (request-id req_");
                    assertThat(failed.attempts()).isEqualTo(1);
                }
                assertThat(sim.stats().path("requests").asLong()).isEqualTo(1);
            }
        }
    }

    @Test
    void aLargeRequestIsReservedAtTheProvidersOwnCountWhenCountTokensIsOn() throws Exception {
        try (SimServer sim = SimServer.builder().tier(Tier.TIER_1).timeScale(SCALE).seed(11).start()) {
            ScaledClock clock = new ScaledClock(sim.clock().now(), SCALE);
            List<Long> admittedInput = new java.util.concurrent.CopyOnWriteArrayList<>();
            Pacer pacer = Pacer.builder().clock(clock).scheduler(clock).listener(e -> {
                if (e instanceof dev.pacer.event.PacerEvent.Admitted a && a.key().id().endsWith(":sonnet-4")) {
                    admittedInput.add(a.cost().get(Dimension.INPUT_TOKENS));
                }
            }).build();
            try (AnthropicPacer claude = AnthropicPacer.builder().baseUrl(sim.baseUrl()).apiKey("sk-ant-test-key").pacer(pacer)
                    .countTokensAbove(1_000).build()) {
                AnthropicPacer.Reply big = claude.messages(params("claude-sonnet-4-5", 64, 1_500, 10), Priority.NORMAL, null).join();
                AnthropicPacer.Reply small = claude.messages(params("claude-sonnet-4-5", 64, 20, 10), Priority.NORMAL, null).join();
                // The large one was counted by the provider first, and reserved at exactly that count.
                assertThat(admittedInput.get(0)).isEqualTo(big.usage().totalInput());
                assertThat(sim.snapshot().pool("sk-ant-test-key", "count_tokens").requests().admitted()).isEqualTo(1);
                // The small one was not worth a round trip.
                assertThat(small.usage().totalInput()).isLessThan(1_000);
                assertThat(sim.snapshot().responses(200)).isEqualTo(3);
            }
        }
    }
}
