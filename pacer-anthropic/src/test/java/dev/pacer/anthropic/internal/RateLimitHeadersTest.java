package dev.pacer.anthropic.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pacer.anthropic.AnthropicQuotaModel;
import dev.pacer.outcome.RetryHints;
import dev.pacer.quota.Dimension;
import dev.pacer.quota.RateLimitSnapshot;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;

class RateLimitHeadersTest {

    private final List<String> notes = new ArrayList<>();
    private final RateLimitHeaders parser = new RateLimitHeaders(Duration.ofMinutes(10), notes::add);
    private final Instant now = Instant.parse("2026-11-24T12:00:00Z");

    private static java.util.function.Function<String, Optional<String>> headers(Map<String, String> h) {
        return name -> Optional.ofNullable(h.get(name));
    }

    @Test
    void readsTheTwelveHeaders() {
        Map<String, String> h = new HashMap<>();
        h.put("anthropic-ratelimit-requests-limit", "50");
        h.put("anthropic-ratelimit-requests-remaining", "49");
        h.put("anthropic-ratelimit-requests-reset", "2026-11-24T12:00:02Z");
        h.put("anthropic-ratelimit-input-tokens-limit", "30000");
        h.put("anthropic-ratelimit-input-tokens-remaining", "27000");
        h.put("anthropic-ratelimit-input-tokens-reset", "2026-11-24T12:00:06Z");
        h.put("anthropic-ratelimit-output-tokens-limit", "8000");
        h.put("anthropic-ratelimit-output-tokens-remaining", "8000");
        h.put("anthropic-ratelimit-output-tokens-reset", "2026-11-24T12:00:00Z");
        h.put("anthropic-ratelimit-tokens-limit", "38000");
        h.put("anthropic-ratelimit-tokens-remaining", "35000");
        h.put("anthropic-ratelimit-tokens-reset", "2026-11-24T12:00:06Z");
        RateLimitSnapshot s = parser.snapshot(headers(h), now);
        assertThat(s.entry(Dimension.REQUESTS)).isEqualTo(new RateLimitSnapshot.Entry(50, 49, Instant.parse("2026-11-24T12:00:02Z"), 1));
        assertThat(s.entry(Dimension.INPUT_TOKENS).remaining()).isEqualTo(27_000);
        assertThat(s.entry(Dimension.INPUT_TOKENS).remainingPrecision()).isEqualTo(1000);
        assertThat(s.entry(Dimension.OUTPUT_TOKENS).limit()).isEqualTo(8_000);
        // The combined limit ("the most restrictive token limit in force"): its limit, not its remaining (see RateLimitHeaders).
        assertThat(s.entry(AnthropicQuotaModel.TOKENS)).isEqualTo(new RateLimitSnapshot.Entry(38_000, -1, Instant.parse("2026-11-24T12:00:06Z"), 1000));
        assertThat(notes).isEmpty();
    }

    @Test
    void retryHintsPreferMillisecondsThenSecondsThenAnHttpDateAndOneAboveTheCapIsIgnored() {
        assertThat(parser.hints(headers(Map.of("retry-after-ms", "1500", "retry-after", "9")), now).retryAfter()).isEqualTo(Duration.ofMillis(1500));
        assertThat(parser.hints(headers(Map.of("retry-after", "7")), now).retryAfter()).isEqualTo(Duration.ofSeconds(7));
        assertThat(parser.hints(headers(Map.of("retry-after", "Tue, 24 Nov 2026 12:00:30 GMT")), now).retryAfter()).isEqualTo(Duration.ofSeconds(30));
        // Above maxRetryAfter it is not believed: as if absent (the engine backs off on its own), with a note.
        assertThat(parser.hints(headers(Map.of("retry-after", "999999999")), now).retryAfter()).isNull();
        assertThat(notes).containsExactly("retry-after of PT277777H46M39S is longer than maxRetryAfter (PT10M); ignored");
        assertThat(parser.hints(headers(Map.of("retry-after-ms", "900000", "retry-after", "7")), now).retryAfter())
                .as("an absurd retry-after-ms gives way to retry-after").isEqualTo(Duration.ofSeconds(7));
        RetryHints h = parser.hints(headers(Map.of("x-should-retry", "false")), now);
        assertThat(h.shouldRetry()).isFalse();
    }

    @Test
    void hostileValuesAreIgnoredWithANoteNeverAnException() {
        String[] garbage = {"", " ", "-1", "NaN", "Infinity", "1e309", "99999999999999999999999", "12abc", "\u0000\u0001",
                "2026-13-45T99:99:99Z", "yesterday", "0x10", "-Infinity", "1,000", "ünïcödé"};
        Random random = new Random(1);
        for (int i = 0; i < 2_000; i++) {
            Map<String, String> h = new HashMap<>();
            for (String name : List.of("anthropic-ratelimit-requests-limit", "anthropic-ratelimit-requests-remaining",
                    "anthropic-ratelimit-requests-reset", "anthropic-ratelimit-input-tokens-remaining", "retry-after",
                    "retry-after-ms", "x-should-retry", "anthropic-ratelimit-output-tokens-reset")) {
                if (random.nextBoolean()) {
                    h.put(name, garbage[random.nextInt(garbage.length)]);
                }
            }
            RateLimitSnapshot s = parser.snapshot(headers(h), now);
            RetryHints hints = parser.hints(headers(h), now);
            if (hints.retryAfter() != null) {
                assertThat(hints.retryAfter()).isBetween(Duration.ZERO, Duration.ofMinutes(10));
            }
            if (s != null) {
                s.entries().values().forEach(e -> {
                    assertThat(e.limit()).isGreaterThanOrEqualTo(-1);
                    assertThat(e.remaining()).isGreaterThanOrEqualTo(-1);
                });
            }
        }
        // A note quotes the value it ignored, so a hostile server's value must reach the log clipped and
        // printable: no control characters (log injection), nothing beyond 40 characters of it.
        assertThat(notes).isNotEmpty().allMatch(n -> n.chars().allMatch(c -> c >= 0x20 && c <= 0x7e), "printable ASCII only");
        assertThat(notes).anyMatch(n -> n.contains("'??'")); // "\u0000\u0001", each character replaced
        assertThat(notes).anyMatch(n -> n.contains("'?n?c?d?'")); // "ünïcödé"
    }

    @Test
    void aLongHostileValueIsQuotedInItsNoteClippedTo40Characters() {
        String longValue = "x".repeat(10_000);
        parser.snapshot(headers(Map.of("anthropic-ratelimit-requests-limit", longValue)), now);
        assertThat(notes).hasSize(1);
        assertThat(notes.get(0)).contains("'" + "x".repeat(40) + "...'").doesNotContain("x".repeat(41)).hasSizeLessThan(120);
    }
}
