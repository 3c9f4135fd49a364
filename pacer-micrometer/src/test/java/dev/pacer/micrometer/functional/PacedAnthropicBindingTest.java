package dev.pacer.micrometer.functional;

import static org.assertj.core.api.Assertions.assertThat;

import com.anthropic.client.AnthropicClient;
import com.anthropic.client.okhttp.AnthropicOkHttpClient;
import com.anthropic.models.messages.Message;
import com.anthropic.models.messages.MessageCreateParams;
import dev.pacer.Pacer;
import dev.pacer.anthropic.sdk.PacedAnthropic;
import dev.pacer.time.ScaledClock;
import dev.pacer.micrometer.PacerMetrics;
import dev.pacer.sim.SimServer;
import dev.pacer.sim.Tier;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.junit.jupiter.api.Test;

/** The official SDK wrapped by PacedAnthropic: metrics bound to its options count its calls and their usage. */
class PacedAnthropicBindingTest {

    @Test
    void metricsBoundToTheOptionsCountTheSdksCallsAndTokens() throws Exception {
        try (SimServer sim = SimServer.builder().tier(Tier.TIER_2).timeScale(20).seed(5).start()) {
            PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
            ScaledClock clock = new ScaledClock(sim.clock().now(), 20);
            PacedAnthropic.Options options = PacedAnthropic.options().pacer(Pacer.builder().clock(clock).scheduler(clock).build());
            try (PacerMetrics metrics = PacerMetrics.bind(options, registry)) {
                AnthropicClient client = PacedAnthropic.wrap(AnthropicOkHttpClient.builder().baseUrl(sim.baseUrl()).apiKey("sk-ant-sdk"), options);
                long output = 0;
                try {
                    for (int i = 0; i < 3; i++) {
                        Message m = client.messages().create(MessageCreateParams.builder()
                                .model("claude-haiku-4-5").maxTokens(64).addUserMessage("Hello " + i).build());
                        output += m.usage().outputTokens();
                    }
                } finally {
                    client.close();
                }
                Scrape scrape = Scrape.parse(registry.scrape());
                assertThat(scrape.sum("pacer_calls_total", "model", "haiku-4-5", "outcome", "success")).isEqualTo(3);
                assertThat(scrape.sum("pacer_upstream_responses_total", "status", "200")).isEqualTo(sim.snapshot().responses(200));
                assertThat(scrape.sum("pacer_tokens_total", "direction", "output")).isEqualTo((double) output).isPositive();
            }
        }
    }
}
