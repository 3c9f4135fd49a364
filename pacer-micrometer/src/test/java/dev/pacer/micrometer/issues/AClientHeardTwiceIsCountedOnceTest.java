package dev.pacer.micrometer.issues;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pacer.Pacer;
import dev.pacer.anthropic.AnthropicPacer;
import dev.pacer.anthropic.CallOptions;
import dev.pacer.anthropic.Usage;
import dev.pacer.micrometer.PacerMetrics;
import dev.pacer.micrometer.functional.Scrape;
import dev.pacer.micrometer.functional.Traffic;
import dev.pacer.sim.SimServer;
import dev.pacer.sim.Tier;
import dev.pacer.time.ScaledClock;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.security.SecureRandom;
import org.junit.jupiter.api.Test;

/**
 * Found in review (issue 13): {@code PacerMetrics.hear} added a usage listener every time it was asked, so a
 * client heard twice (say {@code bind(claude)} and then {@code hear(claude)}) counted every answer twice; and a
 * closed binding still accepted clients, whose listeners then outlived it.
 */
class AClientHeardTwiceIsCountedOnceTest {

    @Test
    void hearingAClientAgainCountsEachAnswerOnceAndAClosedBindingHearsNone() throws Exception {
        try (SimServer sim = SimServer.builder().tier(Tier.TIER_2).timeScale(60).seed(71).start()) {
            ScaledClock clock = new ScaledClock(sim.clock().now(), 60);
            Pacer pacer = Pacer.builder().clock(clock).scheduler(clock).build();
            PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
            String key = "sk-ant-test-" + Long.toHexString(new SecureRandom().nextLong());
            try (AnthropicPacer claude = AnthropicPacer.builder().baseUrl(sim.baseUrl()).apiKey(key).pacer(pacer).build()) {
                PacerMetrics metrics = PacerMetrics.bind(claude, registry);
                PacerMetrics.ClientBinding again = metrics.hear(claude);
                assertThat(metrics.hear(claude)).isSameAs(again);
                Usage usage = claude.messages(Traffic.params("claude-haiku-4-5", 20), CallOptions.defaults()).join().usage();
                long tokens = usage.input() + usage.cacheCreation() + usage.cacheRead() + usage.output();
                assertThat((long) Scrape.parse(registry.scrape()).sum("pacer_tokens_total", "model", "haiku-4-5"))
                        .as("one answer's tokens, counted once").isEqualTo(tokens);
                metrics.close();
                assertThatThrownBy(() -> metrics.hear(claude)).isInstanceOf(IllegalStateException.class)
                        .hasMessageContaining("closed");
            }
        }
    }
}
