package dev.pacer.micrometer.functional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pacer.Pacer;
import dev.pacer.anthropic.AnthropicPacer;
import dev.pacer.anthropic.CallOptions;
import dev.pacer.anthropic.MessageStream;
import dev.pacer.anthropic.ModelClasses;
import dev.pacer.anthropic.Usage;
import dev.pacer.batch.Prices;
import dev.pacer.micrometer.PacerMetrics;
import dev.pacer.openai.OpenAiEndpoint;
import dev.pacer.openai.OpenAiFallback;
import dev.pacer.sim.ChatSimSettings;
import dev.pacer.sim.FaultProfile;
import dev.pacer.sim.SimServer;
import dev.pacer.sim.Tier;
import dev.pacer.time.ScaledClock;
import io.micrometer.core.instrument.Counter;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.security.SecureRandom;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;

/**
 * {@code pacer.cost}: bound with pacer-batch's list prices, the meter holds, per model class, the tokens of
 * every answer the simulator gave times that model's price: Claude's answers and, in a 529 storm, the OpenAI
 * fallback's (plain and streamed), whose tokens also reach {@code pacer.tokens}.
 */
class CostMeterTest {

    private static final double SCALE = 60;

    @Test
    void theCostMeterIsEveryAnswersTokensTimesItsModelsPrice() throws Exception {
        try (SimServer sim = SimServer.builder().tier(Tier.TIER_2).timeScale(SCALE).seed(61).configure(s -> s.chat(ChatSimSettings.DEFAULT))
                .start()) {
            ScaledClock clock = new ScaledClock(sim.clock().now(), SCALE);
            Pacer pacer = Pacer.builder().clock(clock).scheduler(clock).build();
            OpenAiFallback openai = OpenAiFallback.builder(OpenAiEndpoint.of("gpt-4o-mini", sim.baseUrl() + "/v1", "sk-openai-cost-meter"))
                    .pacer(pacer).build();
            PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
            Prices prices = Prices.defaults();
            Map<String, Double> expected = new HashMap<>();
            Map<String, Long> tokens = new HashMap<>();
            try (AnthropicPacer claude = AnthropicPacer.builder().baseUrl(sim.baseUrl()).apiKey("sk-ant-cost-meter").pacer(pacer)
                    .fallbackModels(List.of("claude-haiku-4-5")).fallback(openai).build();
                 PacerMetrics metrics = PacerMetrics.builder().prices(prices::ofAnswer).bind(claude, registry)) {
                for (int i = 0; i < 6; i++) {
                    AnthropicPacer.Reply r = claude.messages(Traffic.params(i % 2 == 0 ? "claude-haiku-4-5" : "claude-sonnet-4-5", 20 + i),
                            CallOptions.defaults()).join();
                    add(expected, tokens, prices, r.model(), r.usage());
                }
                sim.setFaults(FaultProfile.NONE.withOverloaded(1.0));
                for (int i = 0; i < 4; i++) {
                    if (i % 2 == 0) {
                        AnthropicPacer.Reply r = claude.messages(Traffic.params("claude-sonnet-4-5", 30), CallOptions.defaults()).join();
                        assertThat(r.model()).isEqualTo("gpt-4o-mini");
                        add(expected, tokens, prices, r.model(), r.usage());
                    } else {
                        try (MessageStream s = claude.stream(Traffic.params("claude-sonnet-4-5", 30), CallOptions.defaults()).join()) {
                            while (s.next() != null) {
                                // read to the end
                            }
                            assertThat(s.model()).isEqualTo("gpt-4o-mini");
                            add(expected, tokens, prices, s.model(), s.usage());
                        }
                    }
                }
                assertThat(expected).containsOnlyKeys("haiku-4-5", "sonnet-4", "gpt-4o-mini");
                for (Map.Entry<String, Double> e : expected.entrySet()) {
                    Counter cost = registry.find("pacer.cost").tag("model", e.getKey()).counter();
                    assertThat(cost).as("pacer.cost for " + e.getKey()).isNotNull();
                    assertThat(e.getValue()).isPositive();
                    assertThat(cost.count()).as("pacer.cost for " + e.getKey()).isCloseTo(e.getValue(), Offset.offset(1e-12));
                    double counted = registry.find("pacer.tokens").tag("model", e.getKey()).counters().stream().mapToDouble(Counter::count).sum();
                    assertThat((long) counted).as("pacer.tokens for " + e.getKey()).isEqualTo(tokens.get(e.getKey()));
                }
                // The OpenAI answers' tokens are what the simulator's OpenAI side says it used.
                assertThat(tokens.get("gpt-4o-mini")).isEqualTo(sim.chatStats().tokensUsed());
                assertThat(registry.scrape()).contains("pacer_cost_usd_total{model=\"gpt-4o-mini\"}");
            }
        }
    }

    @Test
    void aBareEngineBindingHearsEachClientOnceAcrossClientsThatReplaceEachOther() throws Exception {
        try (SimServer sim = SimServer.builder().tier(Tier.TIER_2).timeScale(SCALE).seed(62).start()) {
            ScaledClock clock = new ScaledClock(sim.clock().now(), SCALE);
            Pacer pacer = Pacer.builder().clock(clock).scheduler(clock).build();
            PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
            Prices prices = Prices.defaults();
            Map<String, Double> expected = new HashMap<>();
            Map<String, Long> tokens = new HashMap<>();
            String key = "sk-ant-test-" + Long.toHexString(new SecureRandom().nextLong());
            PacerMetrics closedLater;
            try (PacerMetrics metrics = PacerMetrics.builder().prices(prices::ofAnswer).bind(pacer, registry)) {
                closedLater = metrics;
                // A gateway's reload: a new client over the same engine while the old one finishes; each heard once.
                AnthropicPacer first = AnthropicPacer.builder().baseUrl(sim.baseUrl()).apiKey(key).pacer(pacer).build();
                PacerMetrics.ClientBinding firstHeard = metrics.hear(first);
                AnthropicPacer.Reply r = first.messages(Traffic.params("claude-haiku-4-5", 20), CallOptions.defaults()).join();
                add(expected, tokens, prices, r.model(), r.usage());
                AnthropicPacer second = AnthropicPacer.builder().baseUrl(sim.baseUrl()).apiKey(key).pacer(pacer).build();
                PacerMetrics.ClientBinding secondHeard = metrics.hear(second);
                assertThat(metrics.hear(second)).as("a client heard again is heard once (the sums below would double)").isSameAs(secondHeard);
                for (AnthropicPacer c : List.of(first, second, second)) {
                    r = c.messages(Traffic.params("claude-haiku-4-5", 25), CallOptions.defaults()).join();
                    add(expected, tokens, prices, r.model(), r.usage());
                }
                firstHeard.close();
                firstHeard.close();
                first.messages(Traffic.params("claude-haiku-4-5", 25), CallOptions.defaults()).join(); // no longer heard
                r = second.messages(Traffic.params("claude-haiku-4-5", 30), CallOptions.defaults()).join();
                add(expected, tokens, prices, r.model(), r.usage());

                Scrape scrape = Scrape.parse(registry.scrape());
                assertThat(scrape.sum("pacer_cost_usd_total", "model", "haiku-4-5")).isCloseTo(expected.get("haiku-4-5"), Offset.offset(1e-12));
                assertThat((long) scrape.sum("pacer_tokens_total", "model", "haiku-4-5")).as("tokens from usage, not also from settled costs")
                        .isEqualTo(tokens.get("haiku-4-5"));
                AnthropicPacer elsewhere = AnthropicPacer.builder().baseUrl(sim.baseUrl()).apiKey(key).build();
                assertThatThrownBy(() -> metrics.hear(elsewhere))
                        .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("claude runs on another engine");
                first.close();
                second.close();
                elsewhere.close();
            }
            assertThat(registry.find("pacer.cost").meters()).as("closing the binding removes its meters").isEmpty();
            AnthropicPacer late = AnthropicPacer.builder().baseUrl(sim.baseUrl()).apiKey(key).pacer(pacer).build();
            assertThatThrownBy(() -> closedLater.hear(late)).as("a closed binding hears no new client")
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
            late.close();
        }
    }

    private static void add(Map<String, Double> expected, Map<String, Long> tokens, Prices prices, String model, Usage u) {
        String modelClass = ModelClasses.defaults().classOf(model);
        double usd = (u.input() * prices.of(modelClass).input() + u.cacheCreation() * prices.of(modelClass).input() * 1.25
                + u.cacheRead() * prices.of(modelClass).cacheRead() + u.output() * prices.of(modelClass).output()) / 1e6;
        expected.merge(modelClass, usd, Double::sum);
        tokens.merge(modelClass, u.input() + u.cacheCreation() + u.cacheRead() + u.output(), Long::sum);
    }
}
