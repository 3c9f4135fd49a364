package dev.pacer.batch;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pacer.event.PacerEvent;
import dev.pacer.outcome.Outcome;
import dev.pacer.outcome.OutcomeFamily;
import dev.pacer.quota.Cost;
import dev.pacer.quota.QuotaKey;
import dev.pacer.route.SkipReason;
import dev.pacer.route.Target;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class AttemptLedgerTest {

    private static final Instant T = Instant.parse("2026-12-03T00:00:00Z");
    private static final Target SONNET = Target.of("anthropic", "claude-sonnet-4-5", QuotaKey.of("anthropic:fp:sonnet-4"));
    private static final Target HAIKU = Target.of("anthropic", "claude-haiku-4-5", QuotaKey.of("anthropic:fp:haiku-4-5"));

    private final Tally tally = new Tally();
    private final AttemptLedger ledger = new AttemptLedger(tally, t -> t.model().contains("haiku") ? "haiku-4-5" : "sonnet-4");

    private void started(long call, int attempt, Target target) {
        ledger.onEvent(new PacerEvent.AttemptStarted(T, call, attempt, target));
    }

    private void failed(long call, int attempt, Target target, OutcomeFamily family) {
        ledger.onEvent(new PacerEvent.AttemptFinished(T, call, attempt, target, Outcome.failure(family, "x"), Duration.ZERO));
    }

    @Test
    void aRetryIsAnAttemptAfterTheCallsFirstOnTheSameTargetWhateverCameBetween() {
        // Call 1: a connection failure, then the breaker opens; the call comes back to Sonnet later
        // (a new first attempt to the engine, a retry to the user), then falls back to Haiku.
        started(1, 1, SONNET);
        failed(1, 1, SONNET, OutcomeFamily.CONNECTION_FAILURE);
        ledger.onEvent(new PacerEvent.FallbackTaken(T, 1, 1, SONNET, null, SkipReason.BREAKER_OPEN));
        started(1, 2, SONNET);
        failed(1, 2, SONNET, OutcomeFamily.TIMEOUT);
        ledger.onEvent(new PacerEvent.FallbackTaken(T, 1, 2, SONNET, HAIKU, SkipReason.BREAKER_OPEN));
        started(1, 3, HAIKU);
        // Call 2, interleaved: one attempt that succeeds.
        started(2, 1, SONNET);
        ledger.onEvent(new PacerEvent.Settled(T, 2, 1, SONNET, Cost.requests(1, 10, 10), Cost.requests(1, 8, 3)));
        ledger.onEvent(new PacerEvent.Settled(T, 1, 3, HAIKU, Cost.requests(1, 10, 10), Cost.requests(1, 8, 3)));

        assertThat(tally.attempts.get()).isEqualTo(4);
        assertThat(tally.retries.get()).as("only Sonnet's second attempt of call 1").isEqualTo(1);
        assertThat(tally.fallbacks.get()).as("a move to no target is not a fallback").isEqualTo(1);
        assertThat(tally.pools.get(HAIKU.quotaKey()).name).isEqualTo("haiku-4-5");
        assertThat(tally.pools.get(SONNET.quotaKey()).output.get()).isEqualTo(3);
        assertThat(ledger.callsTracked()).as("both calls were seen to end").isZero();
    }

    @Test
    void aDeclinedAttemptIsNotCountedAndEndsTheCallsEntry() {
        started(7, 1, SONNET);
        failed(7, 1, SONNET, OutcomeFamily.OVERLOADED);
        ledger.onEvent(new PacerEvent.AttemptDeclined(T, 7, 2, SONNET, "the run is stopping"));
        assertThat(tally.attempts.get()).isEqualTo(1);
        assertThat(tally.retries.get()).isZero();
        assertThat(ledger.callsTracked()).isZero();
    }
}
