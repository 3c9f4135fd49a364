package dev.pacer.batch;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pacer.anthropic.Usage;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** OpenAI models are priced beside Anthropic's: by model id, dated ids as their base, cached prompt tokens at their own price. */
class PricesTest {

    @TempDir
    Path dir;

    @Test
    void openAiModelsHaveListPricesAndTheirCachedTokensTheirOwnPrice() {
        Prices prices = Prices.defaults();
        for (String model : new String[] {"gpt-4o", "gpt-4o-mini", "gpt-4.1", "gpt-4.1-mini", "gpt-4.1-nano", "o1", "o1-mini", "o3",
                "o3-mini", "o4-mini"}) {
            assertThat(prices.knows(model)).as(model).isTrue();
        }
        assertThat(prices.knows("gpt-4o-mini-2024-07-18")).isTrue();
        assertThat(prices.of("gpt-4o-mini-2024-07-18")).isEqualTo(prices.of("gpt-4o-mini"));
        // 1M uncached prompt tokens, 1M cached, 1M completion on gpt-4o-mini: 0.15 + 0.075 + 0.60.
        assertThat(prices.cost("gpt-4o-mini", new Usage(1_000_000, 0, 1_000_000, 1_000_000), false)).isCloseTo(0.825, within());
        // Anthropic's cache reads stay at 0.1x the input price.
        assertThat(prices.cost("sonnet-4", new Usage(0, 0, 1_000_000, 0), false)).isCloseTo(0.3, within());
        assertThat(prices.ofAnswer("gpt-4.1", new Usage(500_000, 0, 0, 250_000))).isCloseTo(1.0 + 2.0, within());
        assertThat(prices.ofAnswer("claude-sonnet-4-5", new Usage(1_000_000, 0, 0, 0))).isCloseTo(3.0, within());
        assertThat(prices.ofAnswer("llama-3-70b", new Usage(1, 0, 0, 1))).isNaN();
    }

    @Test
    void aPriceTableMayGiveAnOpenAiModelsCachedPrice() throws Exception {
        Path table = dir.resolve("prices.json");
        Files.writeString(table, "{\"gpt-4o\": {\"input\": 2, \"output\": 8, \"cache_read\": 0.5}, \"llama-3-70b\": {\"input\": 0.2, \"output\": 0.2}}");
        Prices prices = Prices.read(table);
        assertThat(prices.of("gpt-4o")).isEqualTo(new Prices.Price(2, 8, 0.5));
        assertThat(prices.of("llama-3-70b")).isEqualTo(new Prices.Price(0.2, 0.2)); // cache reads at 0.1x when not given
        Files.writeString(table, "{\"gpt-4o\": {\"input\": 2, \"output\": 8, \"cache_read\": -1}}");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> Prices.read(table)).isInstanceOf(BatchException.class)
                .hasMessageContaining("'gpt-4o' needs \"input\" and \"output\" (and optionally \"cache_read\")");
    }

    private static org.assertj.core.data.Offset<Double> within() {
        return org.assertj.core.data.Offset.offset(1e-9);
    }
}
