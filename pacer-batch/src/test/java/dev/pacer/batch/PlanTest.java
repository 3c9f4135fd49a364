package dev.pacer.batch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.data.Offset.offset;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PlanTest {

    @TempDir
    Path dir;

    private static final Function<String, Plan.Limits> TIER_1 = c -> switch (c) {
        case "sonnet-4" -> new Plan.Limits(50, 30_000, 8_000, "tier-1");
        case "haiku-4-5" -> new Plan.Limits(50, 50_000, 10_000, "tier-1");
        default -> null;
    };

    private BatchInput file(List<String> lines) throws Exception {
        Path p = dir.resolve("in.jsonl");
        Files.write(p, lines);
        return BatchInput.read(p);
    }

    private static String cached(int i, String model, String ttl, int systemRepeats) {
        String cacheControl = ttl == null ? "{\"type\":\"ephemeral\"}" : "{\"type\":\"ephemeral\",\"ttl\":\"" + ttl + "\"}";
        return "{\"custom_id\":\"c" + i + "\",\"params\":{\"model\":\"" + model + "\",\"max_tokens\":100,"
                + "\"system\":[{\"type\":\"text\",\"text\":\"" + "You review distributed-systems designs with care. ".repeat(systemRepeats)
                + "\",\"cache_control\":" + cacheControl + "}],"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"Question " + i + ": what is a token bucket?\"}]}}";
    }

    @Test
    void aSharedCachedPrefixIsWrittenOnceAtOneAndAQuarterAndReadAfterAtOneTenth() throws Exception {
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            lines.add(cached(i, "claude-sonnet-4-5", null, 300));
        }
        Plan.Pool t = Plan.figures(file(lines), Prices.defaults(), TIER_1).total();
        long prefix = t.cacheWriteTokens();
        assertThat(prefix).isGreaterThan(1_024);
        assertThat(t.cacheReadTokens()).isEqualTo(9 * prefix);
        long uncached = t.inputTokens() - 10 * prefix;
        double expected = (uncached * 3 + prefix * 3 * 1.25 + 9 * prefix * 3 * 0.1 + t.typicalOutputTokens() * 15) / 1e6;
        assertThat(t.liveCostTypical()).isCloseTo(expected, offset(1e-9));
        assertThat(t.batchCostTypical()).isCloseTo(expected / 2, offset(1e-9));
        // The ceiling: no hit at all, every prefix written again, and max_tokens of output.
        double ceiling = (uncached * 3 + 10 * prefix * 3 * 1.25 + t.maxOutputTokens() * 15) / 1e6;
        assertThat(t.liveCostMax()).isCloseTo(ceiling, offset(1e-9));
        assertThat(t.batchCostMax()).isCloseTo(ceiling / 2, offset(1e-9));
    }

    @Test
    void oneHourCacheWritesCostTwiceTheInputPrice() throws Exception {
        Plan.Pool t = Plan.figures(file(List.of(cached(0, "claude-sonnet-4-5", "1h", 300))), Prices.defaults(), TIER_1).total();
        long prefix = t.cacheWriteTokens();
        double expected = ((t.inputTokens() - prefix) * 3 + prefix * 3 * 2.0 + t.typicalOutputTokens() * 15) / 1e6;
        assertThat(t.liveCostTypical()).isCloseTo(expected, offset(1e-9));
    }

    @Test
    void aPrefixShorterThanTheModelsMinimumIsNotCached() throws Exception {
        List<String> lines = List.of(cached(0, "claude-sonnet-4-5", null, 5), cached(1, "claude-sonnet-4-5", null, 5),
                cached(2, "claude-haiku-4-5", null, 150), cached(3, "claude-haiku-4-5", null, 150)); // ~1,700 tokens: under Haiku's 2,048
        Plan.Pool t = Plan.figures(file(lines), Prices.defaults(), TIER_1).total();
        assertThat(t.cacheWriteTokens()).isZero();
        assertThat(t.cacheReadTokens()).isZero();
    }

    @Test
    void theEtaIsPerPoolAndTheJobTakesAsLongAsItsSlowestPool() throws Exception {
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            String model = i % 2 == 0 ? "claude-sonnet-4-5" : "claude-haiku-4-5";
            lines.add("{\"custom_id\":\"q" + i + "\",\"params\":{\"model\":\"" + model + "\",\"max_tokens\":500,"
                    + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}}");
        }
        Plan.Figures f = Plan.figures(file(lines), Prices.defaults(), TIER_1);
        // Sonnet: 100 x 200 typical output = 20,000; a full bucket of 8,000, then 8,000 a minute: 1.5 min.
        assertThat(f.pools().get("sonnet-4").etaMinutes()).isCloseTo(1.5, offset(1e-9));
        assertThat(f.pools().get("sonnet-4").bindingDimension()).isEqualTo("output tokens");
        // Haiku: 20,000 against 10,000: 1 min (its 100 requests against 50 RPM: also 1 min).
        assertThat(f.pools().get("haiku-4-5").etaMinutes()).isCloseTo(1.0, offset(1e-9));
        assertThat(f.etaMinutes()).isCloseTo(1.5, offset(1e-9));
        assertThat(f.total().bindingDimension()).isEqualTo("sonnet-4 output tokens");
    }

    @Test
    void aPriceTableOverridesByClassOrModelIdAndMistakesAreOneSentence() throws Exception {
        Path table = dir.resolve("prices.json");
        Files.writeString(table, "{\"sonnet-4\": {\"input\": 6, \"output\": 30}, \"claude-haiku-4-5\": {\"input\": 2, \"output\": 10}}");
        Prices prices = Prices.read(table);
        assertThat(prices.of("sonnet-4")).isEqualTo(new Prices.Price(6, 30));
        assertThat(prices.of("haiku-4-5")).isEqualTo(new Prices.Price(2, 10));
        assertThat(prices.of("opus-4")).isEqualTo(new Prices.Price(5, 25));
        Files.writeString(table, "{\"sonnet-4\": {\"input\": 6, \"outptu\": 30}}");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> Prices.read(table)).isInstanceOf(BatchException.class)
                .hasMessage("The price table " + table + ": 'sonnet-4' needs \"input\" and \"output\" (and optionally"
                        + " \"cache_read\"), USD per million tokens of 0 or more, like {\"input\": 3, \"output\": 15} (not [outptu]).");
    }
}
