package dev.pacer.functional;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pacer.Attempt;
import dev.pacer.AttemptContext;
import dev.pacer.AttemptDeclined;
import dev.pacer.AttemptResult;
import dev.pacer.CallResult;
import dev.pacer.CallSpec;
import dev.pacer.Pacer;
import dev.pacer.event.PacerEvent;
import dev.pacer.outcome.Outcome;
import dev.pacer.outcome.OutcomeFamily;
import dev.pacer.outcome.RetryHints;
import dev.pacer.quota.Cost;
import dev.pacer.quota.Dimension;
import dev.pacer.quota.Limit;
import dev.pacer.quota.QuotaKey;
import dev.pacer.quota.RateLimitSnapshot;
import dev.pacer.retry.RetryPolicy;
import dev.pacer.route.Route;
import dev.pacer.route.Target;
import dev.pacer.spi.QuotaModel;
import dev.pacer.time.VirtualTime;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Events tie every decision to its call and attempt; an attempt can decline before it counts; the provider's QuotaModel is asked. */
class CallScopedEventsTest {

    private final VirtualTime time = new VirtualTime();
    private final QuotaKey key = QuotaKey.of("acct:events");
    private final Target target = Target.of("scripted", "model-a", key);
    private final List<PacerEvent> events = new CopyOnWriteArrayList<>();

    private Pacer.Builder pacer() {
        Random seeded = new Random(7);
        return Pacer.builder().time(time).executor(Runnable::run).listener(events::add)
                .retryPolicy(RetryPolicy.builder().random(seeded::nextDouble).build());
    }

    private CallSpec spec(Target t) {
        return CallSpec.builder().route(Route.of(t)).cost(Cost.requests(1, 1_000, 500)).build();
    }

    @Test
    void everyEventOfACallCarriesItsIdAndTheAttemptItBelongsTo() {
        Pacer pacer = pacer().build();
        AtomicInteger calls = new AtomicInteger();
        ScriptedProvider provider = new ScriptedProvider(time, Duration.ofMillis(100), ctx ->
                calls.incrementAndGet() == 1 ? ScriptedProvider.fail(OutcomeFamily.OVERLOADED, 529, "overloaded_error")
                        : ScriptedProvider.ok(ctx));
        CompletableFuture<CallResult<String>> first = pacer.execute(spec(target), provider);
        time.advance(Duration.ofMinutes(1));
        CompletableFuture<CallResult<String>> second = pacer.execute(spec(target), provider);
        time.advance(Duration.ofMinutes(1));
        assertThat(first).isCompleted();
        assertThat(second).isCompleted();
        long firstId = first.join().callId();
        long secondId = second.join().callId();
        assertThat(firstId).isNotEqualTo(secondId);

        List<PacerEvent> ofFirst = events.stream().filter(e -> e.callId() == firstId).toList();
        List<PacerEvent> ofSecond = events.stream().filter(e -> e.callId() == secondId).toList();
        assertThat(ofFirst).filteredOn(e -> e instanceof PacerEvent.AttemptStarted).extracting(PacerEvent::attempt)
                .containsExactly(1, 2);
        assertThat(ofFirst).anyMatch(e -> e instanceof PacerEvent.RetryScheduled r && r.attempt() == 1);
        assertThat(ofFirst).anyMatch(e -> e instanceof PacerEvent.Admitted a && a.attempt() == 2);
        assertThat(ofFirst).anyMatch(e -> e instanceof PacerEvent.Settled s && s.attempt() == 2);
        assertThat(ofSecond).filteredOn(e -> e instanceof PacerEvent.AttemptStarted).extracting(PacerEvent::attempt)
                .containsExactly(1);
        assertThat(events).allMatch(e -> e.callId() == firstId || e.callId() == secondId || e.callId() == 0);
    }

    @Test
    void anAttemptThatDeclinesIsNotSentNotCountedAndGivesItsReservationBack() {
        Pacer pacer = pacer().limit(key, Dimension.REQUESTS, Limit.perMinute(10)).build();
        AtomicInteger runs = new AtomicInteger();
        Attempt<String> declining = new Attempt<>() {
            @Override
            public CompletionStage<AttemptResult<String>> run(AttemptContext context) {
                runs.incrementAndGet();
                return CompletableFuture.completedFuture(ScriptedProvider.ok(context));
            }

            @Override
            public String declineReason(AttemptContext context) {
                return "the run is stopping";
            }
        };
        CompletableFuture<CallResult<String>> result = pacer.execute(spec(target), declining);
        assertThat(result).isCompletedExceptionally();
        assertThat(result.exceptionNow()).isInstanceOf(AttemptDeclined.class)
                .hasMessageContaining("the run is stopping").hasMessageContaining("was not sent");
        assertThat(runs).hasValue(0);
        assertThat(events).noneMatch(e -> e instanceof PacerEvent.AttemptStarted);
        assertThat(events).anyMatch(e -> e instanceof PacerEvent.AttemptDeclined d && d.callId() == 1 && d.attempt() == 1);
        assertThat(pacer.quotas().view(key).inFlight()).isZero();
        assertThat(pacer.quotas().view(key).dimension(Dimension.REQUESTS).level()).isEqualTo(10);
    }

    @Test
    void aRateLimitCutsTheShareAndSaysSoInAnEventOfThatCall() {
        Pacer pacer = pacer().build();
        AtomicInteger calls = new AtomicInteger();
        ScriptedProvider provider = new ScriptedProvider(time, Duration.ofMillis(100), ctx -> calls.incrementAndGet() == 1
                ? AttemptResult.failure(new Outcome(OutcomeFamily.RATE_LIMITED, 429, "rate_limit_error", "scripted",
                        Dimension.REQUESTS, new RetryHints(Duration.ofSeconds(1), null, null), null), null)
                : ScriptedProvider.ok(ctx));
        pacer.execute(spec(target), provider);
        time.advance(Duration.ofMinutes(1));
        assertThat(events).anyMatch(e -> e instanceof PacerEvent.ShareChanged s && s.callId() == 1 && s.attempt() == 1
                && s.before() == 1.0 && s.after() < 1.0);
        assertThat(pacer.quotas().share(key)).isLessThan(1.0);
    }

    @Test
    void theTargetsQuotaModelDecidesWhatALimitMeansAndWhatARefusedCallCosts() {
        // A provider whose reported limits are per second and whose refused calls still cost a request.
        QuotaModel perSecond = new QuotaModel() {
            @Override
            public Limit limitOf(Dimension dimension, long reported) {
                return Limit.of(reported, reported, Duration.ofSeconds(1));
            }

            @Override
            public boolean countedAsGenerated(Dimension dimension) {
                return false;
            }

            @Override
            public Cost chargedFor(Outcome outcome, Cost reserved) {
                return Cost.of(Dimension.REQUESTS, 1);
            }
        };
        Target counted = Target.of("scripted", "model-b", key, perSecond);
        Pacer pacer = pacer().build();
        RateLimitSnapshot snapshot = new RateLimitSnapshot(time.instant(),
                Map.of(Dimension.REQUESTS, new RateLimitSnapshot.Entry(5, 5, null, 1)));
        ScriptedProvider provider = new ScriptedProvider(time, Duration.ofMillis(10), ctx ->
                AttemptResult.failure(new Outcome(OutcomeFamily.REQUEST_ERROR, 400, "invalid_request_error", "no",
                        null, RetryHints.NONE, snapshot), null));
        pacer.execute(spec(counted), provider);
        time.advance(Duration.ofMillis(20));
        assertThat(pacer.quotas().view(key).dimension(Dimension.REQUESTS).limit()).isEqualTo(new Limit(5, 5.0));
        assertThat(events).anyMatch(e -> e instanceof PacerEvent.LimitChanged l && l.callId() == 1 && l.attempt() == 1);

        // A 429 costs nothing by the per-minute model, a request by this one.
        QuotaKey other = QuotaKey.of("acct:other");
        QuotaKey perMinuteKey = QuotaKey.of("acct:per-minute");
        Pacer limited = pacer().limit(other, Dimension.REQUESTS, Limit.perMinute(10))
                .limit(perMinuteKey, Dimension.REQUESTS, Limit.perMinute(10)).build();
        ScriptedProvider refusing = new ScriptedProvider(time, Duration.ofMillis(10), ctx ->
                AttemptResult.failure(new Outcome(OutcomeFamily.RATE_LIMITED, 429, "rate_limit_error", "no",
                        Dimension.REQUESTS, new RetryHints(null, false, null), null), null));
        limited.execute(spec(Target.of("scripted", "model-b", other, perSecond)), refusing);
        limited.execute(spec(Target.of("scripted", "model-b", perMinuteKey)), refusing);
        time.advance(Duration.ofMillis(20));
        assertThat(limited.quotas().view(other).dimension(Dimension.REQUESTS).level()).isCloseTo(9.0,
                org.assertj.core.data.Offset.offset(0.01));
        assertThat(limited.quotas().view(perMinuteKey).dimension(Dimension.REQUESTS).level()).isCloseTo(10.0,
                org.assertj.core.data.Offset.offset(0.01));
    }
}
