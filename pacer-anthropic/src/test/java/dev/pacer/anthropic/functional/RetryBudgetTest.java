package dev.pacer.anthropic.functional;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pacer.CallFailed;
import dev.pacer.Pacer;
import dev.pacer.anthropic.AnthropicPacer;
import dev.pacer.anthropic.AnthropicQuotaModel;
import dev.pacer.breaker.BreakerState;
import dev.pacer.breaker.CircuitBreakerSettings;
import dev.pacer.event.PacerEvent;
import dev.pacer.quota.Priority;
import dev.pacer.route.SkipReason;
import dev.pacer.route.Target;
import dev.pacer.sim.FaultProfile;
import dev.pacer.sim.SimServer;
import dev.pacer.sim.Tier;
import dev.pacer.time.ScaledClock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The retry budget on its own: a model answering 529 to every request, a breaker that never opens,
 * no fallback. Only the budget stands between the callers' retries and the provider.
 */
class RetryBudgetTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    // Slow enough that the client's own overheads (a first connection, JIT) stay small in simulated time, so the whole
    // run falls in one budget window; fast enough that the backoffs (up to 3.5 s simulated a call) take under 2 s.
    private static final double SCALE = 2;
    private static final int CALLS = 100;
    // RetryBudget.defaults: 20% of the first attempts of the window, plus a floor of 1 retry a second, over a 10 s window.
    private static final double RATIO = 0.2;
    private static final double FLOOR_PER_SECOND = 1;
    private static final Duration TTL = Duration.ofSeconds(10);

    @Test
    void aModelAnswering529ToEverythingSeesAtMostTheBudgetsShareOfRetries() throws Exception {
        try (SimServer sim = SimServer.builder().tier(Tier.TIER_2).timeScale(SCALE).seed(12)
                .faults(FaultProfile.NONE.withOverloaded(1.0)).start()) {
            ScaledClock clock = new ScaledClock(sim.clock().now(), SCALE);
            List<PacerEvent> events = new CopyOnWriteArrayList<>();
            // Thresholds no run of this size can reach: the breaker stays out of it.
            CircuitBreakerSettings neverOpens = new CircuitBreakerSettings(1000, 1.0, 10_000, 10_000, Duration.ofSeconds(5),
                    Duration.ofSeconds(60), 2);
            Pacer pacer = Pacer.builder().clock(clock).scheduler(clock).breaker(neverOpens).listener(events::add).build();
            try (AnthropicPacer claude = AnthropicPacer.builder().baseUrl(sim.baseUrl()).apiKey("sk-ant-budget-test").pacer(pacer).build()) {
                List<CompletableFuture<AnthropicPacer.Reply>> calls = new ArrayList<>();
                for (int i = 0; i < CALLS; i++) {
                    ObjectNode p = JSON.createObjectNode().put("model", "claude-haiku-4-5").put("max_tokens", 50);
                    p.putArray("messages").addObject().put("role", "user").put("content", "Call " + i);
                    calls.add(claude.messages(p, Priority.NORMAL, null));
                }
                int budgetSkips = 0;
                for (CompletableFuture<AnthropicPacer.Reply> call : calls) {
                    try {
                        call.get(60, TimeUnit.SECONDS); // a hang fails here, with a TimeoutException
                        throw new AssertionError("a call succeeded against a model that only answers 529");
                    } catch (ExecutionException e) {
                        assertThat(e.getCause()).isInstanceOf(CallFailed.class);
                        CallFailed failed = (CallFailed) e.getCause();
                        assertThat(failed.outcome().status()).isEqualTo(529);
                        budgetSkips += failed.skipped().stream().anyMatch(s -> s.reason() == SkipReason.BUDGET_EXHAUSTED) ? 1 : 0;
                    }
                }
                List<PacerEvent.AttemptStarted> attempts = events.stream().filter(PacerEvent.AttemptStarted.class::isInstance)
                        .map(PacerEvent.AttemptStarted.class::cast).toList();
                long firsts = attempts.stream().filter(a -> a.attempt() == 1).count();
                long wire = sim.stats().path("requests").asLong();
                Instant from = attempts.stream().map(PacerEvent.AttemptStarted::at).min(Instant::compareTo).orElseThrow();
                Instant to = attempts.stream().map(PacerEvent.AttemptStarted::at).max(Instant::compareTo).orElseThrow();
                Duration run = Duration.between(from, to);

                assertThat(wire).as("attempts on the wire are the attempts the engine made").isEqualTo(attempts.size());
                assertThat(firsts).isEqualTo(CALLS);
                // The rule (RetryBudget): a retry goes while retries + 1 <= ratio x firsts + floor x ttl, both counted over
                // the last ttl (ten 1 s slices). The floor is granted per window, at once: over a run shorter than the
                // window the duration that counts is the window's. This run fits in one (4 attempts a call, backoff at most
                // 0.5 + 1 + 2 s), so over all of it: retries <= 20% of the firsts + floor x max(run, ttl) = 20% + 10.
                assertThat(run).as("the run fits in one budget window").isLessThan(TTL.multipliedBy(9).dividedBy(10));
                double allowed = firsts * (1 + RATIO) + FLOOR_PER_SECOND * Math.max(run.toMillis(), TTL.toMillis()) / 1000.0;
                assertThat((double) wire).as("attempts on the wire, for %d first attempts", firsts).isLessThanOrEqualTo(allowed);
                // Not vacuous: retries did happen, and the budget is what stopped the rest (without it: up to 4 x 100).
                assertThat(wire).as("retries were made").isGreaterThan(firsts);
                assertThat(budgetSkips).as("calls the budget stopped").isPositive();
                assertThat(events).anyMatch(PacerEvent.RetryBudgetExhausted.class::isInstance);
                Target haiku = Target.of("anthropic", "claude-haiku-4-5", claude.quotaKey("claude-haiku-4-5"), AnthropicQuotaModel.instance());
                assertThat(pacer.breakerState(haiku)).as("the breaker stayed out of it").isEqualTo(BreakerState.CLOSED);
            }
        }
    }
}
