package dev.pacer.issues;

import static dev.pacer.quota.Dimension.INPUT_TOKENS;
import static dev.pacer.quota.Dimension.OUTPUT_TOKENS;
import static dev.pacer.quota.Dimension.REQUESTS;
import static org.assertj.core.api.Assertions.assertThat;

import dev.pacer.internal.LinePermit;
import dev.pacer.quota.Cost;
import dev.pacer.quota.Limit;
import dev.pacer.quota.Permit;
import dev.pacer.quota.QuotaKey;
import dev.pacer.quota.Quotas;
import dev.pacer.quota.RateLimitSnapshot;
import dev.pacer.time.VirtualTime;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Found when issue 16 stopped a lone client's false share cut, which had hidden it: two calls sent in one
 * burst race on the wire, and the later-sent one reached the provider first. Its answer's figures (counted
 * at arrival, as OpenAI counts tokens) do not include the earlier-sent call, which the calibration took as
 * counted, so it raised the level by that call's cost and the next admissions spent it twice
 * ({@code CrossProviderFallbackTest}: a 429 on TPM). A raise must now hold with such calls taken as unseen.
 */
class ARacingSendDoesNotRaiseTheLevelTest {

    private final VirtualTime time = new VirtualTime();
    private final QuotaKey key = QuotaKey.of("acct:gpt");

    @Test
    void anAnswerOfTheLaterSentOfTwoRacingCallsDoesNotRaiseTheLevelByTheEarlierOne() {
        Quotas q = Quotas.builder().time(time)
                .limit(key, REQUESTS, Limit.perMinute(30))
                .limit(key, INPUT_TOKENS, Limit.perMinute(3_000))
                .limit(key, OUTPUT_TOKENS, Limit.perMinute(3_000))
                .build();
        Permit earlier = q.tryAcquire(key, Cost.requests(1, 1_000, 0));
        ((LinePermit) earlier).sent();
        Permit later = q.tryAcquire(key, Cost.requests(1, 1_000, 0));
        ((LinePermit) later).sent();
        // The later one arrived first: the provider counted only it.
        later.settle(Cost.requests(1, 1_000, 0), new RateLimitSnapshot(time.instant(), Map.of(
                REQUESTS, new RateLimitSnapshot.Entry(30, 29, null, 1),
                INPUT_TOKENS, new RateLimitSnapshot.Entry(3_000, 2_000, null, 1))));
        assertThat(q.view(key).dimension(INPUT_TOKENS).level()).isEqualTo(1_000);
    }
}
