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
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Issue 16: in the quick {@code saturate} benchmark a lone client's first answer (3.4 s in flight)
 * showed 48 requests left where the replay of its own four sends, refilled to the moment the answer
 * was read, expected 49.3: the provider had counted a moment before. One request "too many" halved
 * the share, and the first minute ran at half the quota (job utilization 0.73–0.81). One request of
 * difference is as likely the moment of counting as another client (two clients that sent one call
 * each show exactly that), so such a verdict is tentative and the next answer decides.
 */
class ALoneClientsSlowFirstAnswerKeepsItsShareTest {

    private final VirtualTime time = new VirtualTime();
    private final QuotaKey key = QuotaKey.of("acct:sonnet");

    private Quotas tier1() {
        return Quotas.builder().time(time)
                .limit(key, REQUESTS, Limit.perMinute(50))
                .limit(key, INPUT_TOKENS, Limit.perMinute(30_000))
                .limit(key, OUTPUT_TOKENS, Limit.perMinute(8_000))
                .build();
    }

    private RateLimitSnapshot snapshot(long requestsRemaining) {
        return new RateLimitSnapshot(time.instant(), Map.of(
                REQUESTS, new RateLimitSnapshot.Entry(50, requestsRemaining, null, 1),
                INPUT_TOKENS, new RateLimitSnapshot.Entry(30_000, 30_000, null, 1000),
                OUTPUT_TOKENS, new RateLimitSnapshot.Entry(8_000, 8_000, null, 1000)));
    }

    private List<Permit> fourSentAtOnce(Quotas q) {
        List<Permit> sent = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            Permit p = q.tryAcquire(key, Cost.requests(1, 1_000, 1_000));
            ((LinePermit) p).sent();
            sent.add(p);
        }
        return sent;
    }

    @Test
    void aFirstAnswerCountedBeforeItWasReadIsTentativeAndTheNextAnswerGivesTheShareBack() {
        Quotas q = tier1();
        List<Permit> sent = fourSentAtOnce(q);
        // 3.4 s in flight; the provider counted 1.2 s before the answer was read: 46 + 2.2 * 50/60 = 47.8, shown as 47,
        // where a replay to the moment of reading expects 48.8. At the earliest moment of counting, the call's admission,
        // four sends of ours explain 46: the moment of counting may explain it all.
        time.advance(Duration.ofMillis(3_400));
        sent.get(3).settle(Cost.requests(1, 900, 100), snapshot(47));
        assertThat(q.share(key)).as("one request short of a replay to the reading: cut, tentatively").isLessThan(1.0);
        // The next answer: the bucket is what our four sends explain (full again by now).
        time.advance(Duration.ofMillis(2_000));
        sent.get(0).settle(Cost.requests(1, 900, 100), snapshot(50));
        assertThat(q.share(key)).isEqualTo(1.0);
    }

    /**
     * Issue 16, on a loaded machine (two CPU-bound loops beside quick {@code saturate}: the configured lane fell to
     * 0.70–0.72 in 3 of 11 runs): the first answer was read 2.4 s (a tenth of a second of wall time at the benchmark's
     * time scale) after the provider counted it. Refilled to the reading, the replay expected a full bucket and saw two
     * requests of "others": a firm verdict, so the share fell and pacing by generation was off for the rest of the job.
     * Now the verdict is tentative (the moment of counting explains it), and the next answer decides.
     */
    @Test
    void aFirstAnswerReadLateOnABusyMachineIsOnlyTentative() {
        Quotas q = tier1();
        List<Permit> sent = fourSentAtOnce(q);
        // Counted at 3.4 s: 46 + 3.4 * 50/60 = 48.8, shown as 48; read at 5.8 s, when 46 + 4.8 would be 50 (full):
        // two requests of "others" that the call's admission (46 explained by our sends) shows may be none.
        time.advance(Duration.ofMillis(5_800));
        sent.get(3).settle(Cost.requests(1, 900, 100), snapshot(48));
        // The next answer, read at once this time, shows nobody else: the share comes back (the old rule kept it cut).
        sent.get(0).settle(Cost.requests(1, 900, 100), snapshot(50));
        assertThat(q.share(key)).isEqualTo(1.0);
    }

    @Test
    void aFirstAnswerShortEvenAtTheCallsAdmissionIsAFirmVerdict() {
        Quotas q = tier1();
        List<Permit> sent = fourSentAtOnce(q);
        // One short of the least our four sends explain (46 at the call's admission), whenever it was counted.
        time.advance(Duration.ofMillis(3_400));
        sent.get(3).settle(Cost.requests(1, 900, 100), snapshot(45));
        double cut = q.share(key);
        assertThat(cut).isLessThan(1.0);
        time.advance(Duration.ofMillis(2_000));
        sent.get(0).settle(Cost.requests(1, 900, 100), snapshot(50));
        assertThat(q.share(key)).as("not looked at again").isEqualTo(cut);
    }

    @Test
    void aTentativeVerdictThatTheNextAnswerConfirmsStays() {
        Quotas q = tier1();
        List<Permit> sent = fourSentAtOnce(q);
        time.advance(Duration.ofMillis(3_400));
        sent.get(3).settle(Cost.requests(1, 900, 100), snapshot(47));
        double cut = q.share(key);
        assertThat(cut).as("tentative").isLessThan(1.0);
        // Somebody keeps sending: 50 expected by now, 44 shown.
        time.advance(Duration.ofMillis(2_000));
        sent.get(0).settle(Cost.requests(1, 900, 100), snapshot(44));
        assertThat(q.share(key)).isLessThanOrEqualTo(cut);
    }

    @Test
    void otherClientsBeyondTheFlightsRefillAreStillSeen() {
        Quotas q = tier1();
        List<Permit> sent = fourSentAtOnce(q);
        time.advance(Duration.ofMillis(3_400));
        // Even counted at the very start of the flight, 46 would be left; 36 means ten requests of somebody else.
        sent.get(3).settle(Cost.requests(1, 900, 100), snapshot(36));
        assertThat(q.share(key)).isLessThan(0.5).isGreaterThan(0.0);
    }

    @Test
    void aSingleSendAnsweredLateStillSeesOthersWhoSentWhileItFlew() {
        Quotas q = tier1();
        Permit only = q.tryAcquire(key, Cost.requests(1, 1_000, 1_000));
        ((LinePermit) only).sent();
        time.advance(Duration.ofMillis(3_400));
        // Three other instances sent one each: 50 - 4 + 2.8 = 48.8 shown as 48, where ours alone explains 49 at the least.
        only.settle(Cost.requests(1, 900, 100), snapshot(48));
        assertThat(q.share(key)).isLessThan(1.0);
    }

    @Test
    void anAnswerReadAtOnceStillCountsASingleOtherRequest() {
        Quotas q = tier1();
        List<Permit> sent = fourSentAtOnce(q);
        // No flight, no doubt: 50 - 4 = 46 expected, 45 shown.
        sent.get(3).settle(Cost.requests(1, 900, 100), snapshot(45));
        assertThat(q.share(key)).isLessThan(1.0).isGreaterThan(0.0);
    }
}
