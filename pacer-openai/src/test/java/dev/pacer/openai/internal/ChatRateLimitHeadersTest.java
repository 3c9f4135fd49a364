package dev.pacer.openai.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pacer.openai.OpenAiQuotaModel;
import dev.pacer.outcome.RetryHints;
import dev.pacer.quota.Dimension;
import dev.pacer.quota.RateLimitSnapshot;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

class ChatRateLimitHeadersTest {

    private final List<String> notes = new ArrayList<>();
    private final ChatRateLimitHeaders headers = new ChatRateLimitHeaders(Duration.ofMinutes(10), notes::add);
    private final Instant now = Instant.parse("2026-12-01T00:00:00Z");

    private static Function<String, Optional<String>> of(Map<String, String> m) {
        return name -> Optional.ofNullable(m.get(name));
    }

    @Test
    void goDurationsAreReadWithEveryUnitAndFraction() {
        assertThat(ChatRateLimitHeaders.goDuration("1s")).isEqualTo(Duration.ofSeconds(1));
        assertThat(ChatRateLimitHeaders.goDuration("6m0s")).isEqualTo(Duration.ofMinutes(6));
        assertThat(ChatRateLimitHeaders.goDuration("12ms")).isEqualTo(Duration.ofMillis(12));
        assertThat(ChatRateLimitHeaders.goDuration("1m30.5s")).isEqualTo(Duration.ofMillis(90_500));
        assertThat(ChatRateLimitHeaders.goDuration("1h2m3s")).isEqualTo(Duration.ofSeconds(3723));
        assertThat(ChatRateLimitHeaders.goDuration("0s")).isEqualTo(Duration.ZERO);
        for (String bad : new String[] {"", "12", "-1s", "1 s", "s", "1x", "1s garbage", "NaNs"}) {
            assertThat(ChatRateLimitHeaders.goDuration(bad)).as(bad).isNull();
        }
    }

    @Test
    void theSixHeadersBecomeRequestsAndCombinedTokens() {
        RateLimitSnapshot s = headers.snapshot(of(Map.of("x-ratelimit-limit-requests", "500", "x-ratelimit-remaining-requests", "499",
                "x-ratelimit-reset-requests", "120ms", "x-ratelimit-limit-tokens", "200000", "x-ratelimit-remaining-tokens", "199000",
                "x-ratelimit-reset-tokens", "1m30.5s")), now);
        assertThat(s.entry(Dimension.REQUESTS)).isEqualTo(new RateLimitSnapshot.Entry(500, 499, now.plusMillis(120), 1));
        assertThat(s.entry(OpenAiQuotaModel.TOKENS)).isEqualTo(new RateLimitSnapshot.Entry(200_000, 199_000, now.plusMillis(90_500), 1));
        assertThat(notes).isEmpty();
    }

    @Test
    void hostileOrMissingHeadersAreIgnoredWithANote() {
        assertThat(headers.snapshot(of(Map.of()), now)).isNull();
        RateLimitSnapshot s = headers.snapshot(of(Map.of("x-ratelimit-limit-requests", "lots", "x-ratelimit-remaining-requests", "-5",
                "x-ratelimit-limit-tokens", "1000", "x-ratelimit-remaining-tokens", "99999999", "x-ratelimit-reset-tokens", "soon")), now);
        assertThat(s.entry(Dimension.REQUESTS)).isNull();
        assertThat(s.entry(OpenAiQuotaModel.TOKENS)).isEqualTo(new RateLimitSnapshot.Entry(1000, 1000, null, 1));
        assertThat(notes).hasSize(4).allSatisfy(n -> assertThat(n).startsWith("x-ratelimit-"));
    }

    @Test
    void retryHintsComeFromHeadersFirstThenTheMessage() {
        assertThat(headers.hints(of(Map.of("retry-after-ms", "250")), "try again in 9s", now).retryAfter()).isEqualTo(Duration.ofMillis(250));
        assertThat(headers.hints(of(Map.of("retry-after", "2")), null, now).retryAfter()).isEqualTo(Duration.ofSeconds(2));
        assertThat(headers.hints(of(Map.of("retry-after", "Tue, 01 Dec 2026 00:00:05 GMT")), null, now).retryAfter())
                .isEqualTo(Duration.ofSeconds(5));
        String message = "Rate limit reached for gpt-4o in organization org-x on tokens per min (TPM): Limit 30000, Used 29937,"
                + " Requested 385. Please try again in 644ms. Visit https://platform.openai.com/account/rate-limits to learn more.";
        assertThat(headers.hints(of(Map.of()), message, now).retryAfter()).isEqualTo(Duration.ofMillis(644));
        assertThat(headers.hints(of(Map.of()), "Please try again in 1m30.5s.", now).retryAfter()).isEqualTo(Duration.ofMillis(90_500));
        RetryHints absurd = headers.hints(of(Map.of("retry-after", "99999999999", "x-should-retry", "maybe")), null, now);
        assertThat(absurd.retryAfter()).isNull();
        assertThat(absurd.shouldRetry()).isNull();
        assertThat(notes).hasSize(2);
    }
}
