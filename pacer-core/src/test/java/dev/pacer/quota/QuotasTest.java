package dev.pacer.quota;

import static dev.pacer.quota.Dimension.INPUT_TOKENS;
import static dev.pacer.quota.Dimension.OUTPUT_TOKENS;
import static dev.pacer.quota.Dimension.REQUESTS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pacer.CapacityExceeded;
import dev.pacer.QuotaWaitExceeded;
import dev.pacer.concurrency.AimdLimit;
import dev.pacer.concurrency.ConcurrencyLimit;
import dev.pacer.concurrency.ConcurrencySignal;
import dev.pacer.internal.LinePermit;
import dev.pacer.time.VirtualTime;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.Test;

/** Admission and the in-memory store through {@link Quotas}: the line, the buckets, calibration and sharing. */
class QuotasTest {

    private static LinePermit engine(Permit permit) {
        return (LinePermit) permit;
    }

    private final VirtualTime time = new VirtualTime();
    private final QuotaKey key = QuotaKey.of("acct:sonnet");

    private Quotas tier1() {
        return Quotas.builder().time(time)
                .limit(key, REQUESTS, Limit.perMinute(60))
                .limit(key, INPUT_TOKENS, Limit.perMinute(60_000))
                .limit(key, OUTPUT_TOKENS, Limit.perMinute(6_000))
                .build();
    }

    /** Takes {@code cost} from the buckets as a call that already ended would have. */
    private void consume(Quotas q, Cost cost) {
        q.tryAcquire(key, cost).settle(cost);
    }

    private static double level(Quotas q, QuotaKey k, Dimension d) {
        return q.view(k).dimension(d).level();
    }

    @Test
    void reservationIsAllOrNothingAcrossDimensions() {
        Quotas q = tier1();
        assertThat(q.tryAcquire(key, Cost.requests(1, 1_000, 5_000))).isNotNull();
        // Requests and input would fit, output does not: nothing may be taken.
        assertThat(q.tryAcquire(key, Cost.requests(1, 1_000, 2_000))).isNull();
        assertThat(level(q, key, REQUESTS)).isEqualTo(59);
        assertThat(level(q, key, INPUT_TOKENS)).isEqualTo(59_000);
        assertThat(level(q, key, OUTPUT_TOKENS)).isEqualTo(1_000);
    }

    @Test
    void bucketsRefillContinuouslyUpToCapacity() {
        Quotas q = tier1();
        q.tryAcquire(key, Cost.requests(60, 0, 0)).settle(Cost.requests(60, 0, 0));
        assertThat(level(q, key, REQUESTS)).isZero();
        time.advance(Duration.ofMillis(1500));
        assertThat(level(q, key, REQUESTS)).isCloseTo(1.5, org.assertj.core.data.Offset.offset(1e-9));
        time.advance(Duration.ofHours(3));
        assertThat(level(q, key, REQUESTS)).isEqualTo(60);
    }

    @Test
    void settleRefundsAnOverEstimateAtOnceAndChargesAnUnderEstimateAsDebt() {
        Quotas q = tier1();
        Permit over = q.tryAcquire(key, Cost.requests(1, 10_000, 4_000));
        over.settle(Cost.requests(1, 8_000, 500));
        assertThat(level(q, key, INPUT_TOKENS)).isEqualTo(52_000);
        assertThat(level(q, key, OUTPUT_TOKENS)).isEqualTo(5_500);

        Permit under = q.tryAcquire(key, Cost.requests(1, 1_000, 5_000));
        under.settle(Cost.requests(1, 1_000, 8_000));
        assertThat(level(q, key, OUTPUT_TOKENS)).isEqualTo(-2_500);
        // The debt is paid by waiting: 100 output tokens per second.
        CompletableFuture<Permit> next = q.acquire(key, Cost.requests(1, 10, 100), Priority.NORMAL, null);
        time.advance(Duration.ofSeconds(25));
        assertThat(next).isNotDone();
        time.advance(Duration.ofSeconds(1));
        assertThat(next).isCompleted();
    }

    @Test
    void releaseRefundsEverythingAndEndsThePermitOnce() {
        Quotas q = tier1();
        Permit p = q.tryAcquire(key, Cost.requests(1, 30_000, 3_000));
        p.release();
        p.release();
        p.settle(Cost.requests(1, 30_000, 3_000));
        p.close();
        assertThat(level(q, key, INPUT_TOKENS)).isEqualTo(60_000);
        assertThat(level(q, key, OUTPUT_TOKENS)).isEqualTo(6_000);
        assertThat(q.view(key).inFlight()).isZero();
        assertThat(p.isOpen()).isFalse();
    }

    @Test
    void reservationsInFlightOccupyTheBucketSoALateRefundCannotMakeABurst() {
        Quotas q = tier1();
        Permit longCall = q.tryAcquire(key, Cost.requests(1, 30_000, 0));
        time.advance(Duration.ofMinutes(5));
        // The bucket refilled only up to what the call in flight does not hold.
        assertThat(level(q, key, INPUT_TOKENS)).isEqualTo(30_000);
        q.tryAcquire(key, Cost.requests(1, 30_000, 0)).settle(Cost.requests(1, 30_000, 0));
        longCall.settle(Cost.requests(1, 0, 0));
        // The over-estimate comes back, but no more than the bucket can hold.
        assertThat(level(q, key, INPUT_TOKENS)).isEqualTo(30_000);
    }

    @Test
    void refundsNeverRaiseALevelAboveCapacity() {
        Quotas q = tier1();
        Permit p = q.tryAcquire(key, Cost.requests(1, 30_000, 0));
        time.advance(Duration.ofMinutes(5));
        p.release();
        assertThat(level(q, key, INPUT_TOKENS)).isEqualTo(60_000);
    }

    @Test
    void aCostLargerThanTheBucketFailsAtOnceNamingTheDimension() {
        Quotas q = tier1();
        CompletableFuture<Permit> f = q.acquire(key, Cost.requests(1, 70_000, 100), Priority.NORMAL, null);
        assertThat(f).isCompletedExceptionally();
        assertThatThrownBy(f::get).cause().isInstanceOf(CapacityExceeded.class)
                .hasMessageContaining("70000 input_tokens").hasMessageContaining("at most 60000");
        assertThatThrownBy(() -> q.tryAcquire(key, Cost.requests(1, 70_000, 1))).isInstanceOf(CapacityExceeded.class);
    }

    @Test
    void aWaitPastTheDeadlineFailsAtOnceSayingWhichDimensionAndHowLong() throws Exception {
        Quotas q = tier1();
        consume(q, Cost.requests(1, 0, 6_000));
        Instant deadline = time.instant().plusSeconds(10);
        CompletableFuture<Permit> f = q.acquire(key, Cost.requests(1, 0, 3_000), Priority.NORMAL, deadline);
        assertThat(f).isCompletedExceptionally();
        try {
            f.get();
        } catch (ExecutionException e) {
            QuotaWaitExceeded wait = (QuotaWaitExceeded) e.getCause();
            assertThat(wait.dimension()).isEqualTo(OUTPUT_TOKENS);
            assertThat(wait.waitEstimate()).isEqualTo(Duration.ofSeconds(30));
            assertThat(wait.getMessage()).contains("output_tokens").contains("30 s");
        }
        // A reachable deadline waits and is admitted.
        CompletableFuture<Permit> ok = q.acquire(key, Cost.requests(1, 0, 300), Priority.NORMAL, time.instant().plusSeconds(10));
        time.advance(Duration.ofSeconds(3));
        assertThat(ok).isCompleted();
    }

    @Test
    void aWaiterWhoseDeadlineArrivesInLineFailsThen() {
        Quotas q = tier1();
        consume(q, Cost.requests(1, 0, 6_000));
        CompletableFuture<Permit> first = q.acquire(key, Cost.requests(1, 0, 1_000), Priority.NORMAL, null);
        CompletableFuture<Permit> second = q.acquire(key, Cost.requests(1, 0, 500), Priority.NORMAL, time.instant().plusSeconds(16));
        assertThat(second).isNotDone();
        q.pause(key, null, time.instant().plusSeconds(60)); // the line stalls
        time.advance(Duration.ofSeconds(16));
        assertThat(second).isCompletedExceptionally();
        assertThat(first).isNotDone();
    }

    @Test
    void waitersAreAdmittedInFifoOrderWithinAClassAndHigherClassesFirst() {
        Quotas q = tier1();
        consume(q, Cost.requests(60, 0, 0));
        List<String> order = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            String name = "bulk" + i;
            q.acquire(key, Cost.requests(1, 0, 0), Priority.BULK, null).thenRun(() -> order.add(name));
        }
        for (int i = 0; i < 2; i++) {
            String name = "interactive" + i;
            q.acquire(key, Cost.requests(1, 0, 0), Priority.INTERACTIVE, null).thenRun(() -> order.add(name));
        }
        time.advance(Duration.ofSeconds(10));
        assertThat(order).containsExactly("interactive0", "interactive1", "bulk0", "bulk1", "bulk2");
    }

    @Test
    void aLargeRequestIsNotStarvedByAStreamOfSmallOnes() {
        Quotas q = tier1();
        consume(q, Cost.requests(1, 0, 6_000));
        List<String> admitted = new ArrayList<>();
        Cost largeCost = Cost.requests(1, 0, 5_000);
        q.acquire(key, largeCost, Priority.NORMAL, null).thenAccept(p -> {
            admitted.add("large");
            p.settle(largeCost);
        });
        // 2 small requests a second would use all of the 100 tokens/s refill by themselves.
        Cost smallCost = Cost.requests(1, 0, 50);
        for (int s = 0; s < 120; s++) {
            String name = "small" + s;
            q.acquire(key, smallCost, Priority.NORMAL, null).thenAccept(p -> {
                admitted.add(name);
                p.settle(smallCost);
            });
            time.advance(Duration.ofMillis(500));
        }
        time.advance(Duration.ofMinutes(5));
        assertThat(admitted).hasSize(121);
        assertThat(admitted.get(0)).isEqualTo("large");
        assertThat(admitted.subList(1, 121)).isSortedAccordingTo(
                java.util.Comparator.comparingInt((String n) -> Integer.parseInt(n.substring(5))));
    }

    @Test
    void cancellingAWaiterFreesItsPlaceForTheNext() {
        Quotas q = tier1();
        consume(q, Cost.requests(1, 0, 6_000));
        CompletableFuture<Permit> big = q.acquire(key, Cost.requests(1, 0, 6_000), Priority.NORMAL, null);
        CompletableFuture<Permit> small = q.acquire(key, Cost.requests(1, 0, 100), Priority.NORMAL, null);
        time.advance(Duration.ofSeconds(2));
        assertThat(small).isNotDone();
        big.cancel(false);
        assertThat(small).isCompleted();
        assertThat(q.view(key).queued()).isZero();
    }

    @Test
    void aRefundWakesTheLineEarlierThanPlanned() {
        Quotas q = tier1();
        Permit p = q.tryAcquire(key, Cost.requests(1, 0, 6_000));
        CompletableFuture<Permit> next = q.acquire(key, Cost.requests(1, 0, 3_000), Priority.NORMAL, null);
        time.advance(Duration.ofSeconds(1));
        assertThat(next).isNotDone();
        p.settle(Cost.requests(1, 0, 1_000));
        assertThat(next).isCompleted();
    }

    @Test
    void pausingAKeyHoldsEveryoneUntilTheEnd() {
        Quotas q = tier1();
        q.pause(key, INPUT_TOKENS, time.instant().plusSeconds(7));
        assertThat(q.tryAcquire(key, Cost.requests(1, 1, 1))).isNull();
        CompletableFuture<Permit> f = q.acquire(key, Cost.requests(1, 1, 1), Priority.NORMAL, null);
        time.advance(Duration.ofMillis(6_999));
        assertThat(f).isNotDone();
        time.advance(Duration.ofMillis(1));
        assertThat(f).isCompleted();
    }

    @Test
    void unknownLimitsAdmitAtOnceUntilLearnedFromTheProvider() {
        Quotas q = Quotas.builder().time(time).coldStartConcurrency(2).build();
        Permit inFlight = q.tryAcquire(key, Cost.requests(1, 2_000, 1_000));
        assertThat(inFlight).isNotNull();
        engine(inFlight).sent();
        Permit source = q.tryAcquire(key, Cost.requests(1, 2_000, 1_000));
        engine(source).sent();
        source.settle(Cost.requests(1, 2_000, 300));
        engine(source).calibrate(snapshot(50, 48, 30_000, 26_000, 8_000, 7_000));
        QuotaView v = q.view(key);
        assertThat(v.dimension(REQUESTS).limit()).isEqualTo(Limit.perMinute(50));
        assertThat(v.dimension(REQUESTS).level()).isEqualTo(48);
        assertThat(v.dimension(INPUT_TOKENS).level()).isEqualTo(26_000);
        // Output of the call still generating is not yet counted by the provider.
        assertThat(v.dimension(OUTPUT_TOKENS).level()).isEqualTo(6_000);
    }

    @Test
    void aKeyAboutWhichNothingIsKnownLetsOneCallGoUntilTheFirstAnswer() {
        Quotas q = Quotas.builder().time(time).build();
        Permit probe = q.tryAcquire(key, Cost.requests(1, 100, 100));
        CompletableFuture<Permit> next = q.acquire(key, Cost.requests(1, 100, 100), Priority.NORMAL, null);
        assertThat(next).isNotDone();
        engine(probe).sent();
        probe.settle(Cost.requests(1, 100, 10));
        engine(probe).calibrate(snapshot(50, 49, 30_000, 30_000, 8_000, 8_000));
        assertThat(next).isCompleted();
        assertThat(q.view(key).dimension(REQUESTS).limit()).isEqualTo(Limit.perMinute(50));
        // Once warm, the learned limits decide, not the cold-start rule.
        for (int i = 0; i < 10; i++) {
            assertThat(q.tryAcquire(key, Cost.requests(1, 100, 100))).isNotNull();
        }
    }

    @Test
    void calibrationBelievesALowerRemainingAtOnceAndAHigherOneHalfWay() {
        Quotas q = tier1();
        Permit p = q.tryAcquire(key, Cost.requests(1, 1_000, 0));
        engine(p).sent();
        p.settle(Cost.requests(1, 1_000, 0));
        engine(p).calibrate(snapshot(60, 59, 60_000, 40_000, 6_000, 6_000));
        assertThat(level(q, key, INPUT_TOKENS)).isEqualTo(40_000);
        time.advance(Duration.ofNanos(1)); // newer snapshot
        Permit p2 = q.tryAcquire(key, Cost.requests(1, 0, 0));
        engine(p2).sent();
        p2.settle(Cost.requests(1, 0, 0));
        engine(p2).calibrate(snapshot(60, 58, 60_000, 50_000, 6_000, 6_000));
        assertThat(level(q, key, INPUT_TOKENS)).isCloseTo(45_000, org.assertj.core.data.Offset.offset(1.0));
    }

    @Test
    void anAnswerReadLateIsJudgedByWhenItsCallWasSentNotByWhenItWasRead() {
        Quotas q = tier1();
        Permit early = q.tryAcquire(key, Cost.requests(1, 1_000, 0));
        engine(early).sent();
        Permit later = q.tryAcquire(key, Cost.requests(1, 1_000, 0));
        engine(later).sent();
        later.settle(Cost.requests(1, 1_000, 0));
        engine(later).calibrate(snapshot(60, 58, 60_000, 40_000, 6_000, 6_000));
        assertThat(level(q, key, INPUT_TOKENS)).isEqualTo(40_000);
        // The early call answers last: its figures are older than the ones already applied, though read later.
        time.advance(Duration.ofMillis(1));
        early.settle(Cost.requests(1, 1_000, 0));
        double before = level(q, key, INPUT_TOKENS);
        engine(early).calibrate(snapshot(60, 59, 60_000, 59_000, 6_000, 6_000));
        assertThat(level(q, key, INPUT_TOKENS)).isEqualTo(before);
        // A call sent after both is believed again.
        Permit last = q.tryAcquire(key, Cost.requests(1, 0, 0));
        engine(last).sent();
        last.settle(Cost.requests(1, 0, 0));
        engine(last).calibrate(snapshot(60, 57, 60_000, 30_000, 6_000, 6_000));
        assertThat(level(q, key, INPUT_TOKENS)).isEqualTo(30_000);
    }

    @Test
    void aSingleClientWhoseFirstAnswerIsSlowIsNotTakenForSeveral() {
        Quotas q = tier1(); // 60 requests a minute: one a second
        List<Permit> calls = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            calls.add(q.tryAcquire(key, Cost.requests(1, 100, 10)));
            engine(calls.get(i)).sent();
        }
        time.advance(Duration.ofSeconds(20)); // the provider's bucket was full again after 5 s
        for (int i = 0; i < 10; i++) {
            Permit p = q.tryAcquire(key, Cost.requests(1, 100, 10));
            engine(p).sent();
            calls.add(p);
        }
        time.advance(Duration.ofSeconds(2));
        // What the provider has left is exactly what this process's own sends explain: 60 - 10 + 2.
        calls.get(0).settle(Cost.requests(1, 100, 10), snapshot(60, 52, 60_000, 58_000, 6_000, 6_000));
        assertThat(q.share(key)).isEqualTo(1.0);
    }

    @Test
    void otherClientsOnTheKeyAreSeenInTheFirstAnswerAndTheShareStartsAtOurs() {
        Quotas q = Quotas.builder().time(time).build();
        Permit first = q.tryAcquire(key, Cost.requests(1, 100, 100));
        engine(first).sent();
        // Answered at once: 50 - 40 = 10 requests counted, one of them ours: nine belong to somebody else.
        first.settle(Cost.requests(1, 100, 10), snapshot(50, 40, 30_000, 30_000, 8_000, 8_000));
        assertThat(q.share(key)).isCloseTo(0.1, org.assertj.core.data.Offset.offset(1e-9));
    }

    @Test
    void aCutShareGrowsBackWithTimeWhileCallsWaitAndNoneIsOutSoNobodyStarves() {
        Quotas q = Quotas.builder().time(time).build();
        Permit first = q.tryAcquire(key, Cost.requests(1, 100, 100));
        engine(first).sent();
        // Others on the key: the share starts at a tenth.
        first.settle(Cost.requests(1, 100, 100), snapshot(50, 40, 30_000, 30_000, 6_000, 0));
        assertThat(q.share(key)).isCloseTo(0.1, org.assertj.core.data.Offset.offset(1e-9));
        // A call that needs the whole output bucket waits, with nothing in flight to bring news.
        CompletableFuture<Permit> waiting = q.acquire(key, Cost.requests(1, 100, 6_000), Priority.NORMAL, null);
        assertThat(waiting).isNotDone();
        // At a fixed tenth of 100 tokens/s it would take 600 s; growing without evidence, far less.
        time.advance(Duration.ofSeconds(250));
        assertThat(waiting).isCompleted();
        assertThat(q.share(key)).isGreaterThan(0.1);
    }

    @Test
    void withOthersOnTheKeyDebtIsPaidAtTheProvidersWholeRateAndOnlyTheRoomAboveItIsShared() {
        Quotas q = tier1(); // output: 6,000 a minute, 100 tokens/s
        Permit first = q.tryAcquire(key, Cost.requests(1, 100, 100));
        engine(first).sent();
        // Nine others on the key: a share of a tenth.
        first.settle(Cost.requests(1, 100, 100), snapshot(60, 50, 60_000, 59_000, 6_000, 6_000));
        assertThat(q.share(key)).isCloseTo(0.1, org.assertj.core.data.Offset.offset(1e-9));
        // A call generates 3,000 tokens more than the whole of this process's room: the provider's bucket is in debt.
        double room = level(q, key, OUTPUT_TOKENS);
        Permit big = q.tryAcquire(key, Cost.requests(1, 100, 100));
        big.settle(Cost.requests(1, 100, (long) room + 3_000));
        assertThat(level(q, key, OUTPUT_TOKENS)).isCloseTo(-3_000, org.assertj.core.data.Offset.offset(1e-6));
        CompletableFuture<Permit> waiting = q.acquire(key, Cost.requests(1, 100, 100), Priority.NORMAL, null);
        // In debt the provider admits nobody, so its whole refill (100/s) pays it: 30 s, not 300 s at a tenth.
        time.advance(Duration.ofSeconds(29));
        assertThat(level(q, key, OUTPUT_TOKENS)).isCloseTo(-100, org.assertj.core.data.Offset.offset(1e-6));
        assertThat(waiting).isNotDone();
        // Above zero the room is shared: 100 tokens at about a tenth of 100/s take some 10 s more.
        time.advance(Duration.ofSeconds(6));
        assertThat(waiting).isNotDone();
        time.advance(Duration.ofSeconds(10));
        assertThat(waiting).isCompleted();
    }

    @Test
    void withOthersOnTheKeyCalibrationAimsAtThisProcesssShareOfWhatIsLeft() {
        Quotas q = tier1();
        Permit first = q.tryAcquire(key, Cost.requests(1, 1_000, 0));
        engine(first).sent();
        // 60 - 58 = 2 requests counted at once, one of them ours: one other client, a share of a half.
        first.settle(Cost.requests(1, 1_000, 0), snapshot(60, 58, 60_000, 58_000, 6_000, 6_000));
        assertThat(q.share(key)).isCloseTo(0.5, org.assertj.core.data.Offset.offset(1e-9));
        assertThat(level(q, key, REQUESTS)).isCloseTo(29, org.assertj.core.data.Offset.offset(1e-6));
        // Both clients see the same 40 left: each aims at its half, so together they do not spend it twice.
        time.advance(Duration.ofNanos(1));
        Permit next = q.tryAcquire(key, Cost.requests(1, 0, 0));
        engine(next).sent();
        next.settle(Cost.requests(1, 0, 0), snapshot(60, 40, 60_000, 58_000, 6_000, 6_000));
        assertThat(level(q, key, REQUESTS)).isCloseTo(20, org.assertj.core.data.Offset.offset(1e-6));
    }

    @Test
    void roundedRemainingWithinThePrecisionDoesNotMoveTheLevel() {
        Quotas q = tier1();
        for (int i = 0; i < 20; i++) {
            Permit p = q.tryAcquire(key, Cost.requests(1, 437, 0));
            engine(p).sent();
            p.settle(Cost.requests(1, 437, 0));
            double before = level(q, key, INPUT_TOKENS);
            long rounded = Math.round(before / 1000.0) * 1000;
            engine(p).calibrate(snapshot(60, (long) level(q, key, REQUESTS), 60_000, rounded, 6_000, 6_000));
            assertThat(level(q, key, INPUT_TOKENS)).isEqualTo(before);
            time.advance(Duration.ofMillis(10));
        }
    }

    @Test
    void anOlderSnapshotThanTheLastAppliedIsIgnored() {
        Quotas q = tier1();
        Instant t0 = time.instant();
        time.advance(Duration.ofSeconds(1));
        q.calibrate(key, new RateLimitSnapshot(time.instant(), Map.of(INPUT_TOKENS, new RateLimitSnapshot.Entry(60_000, 30_000, null, 1000))));
        q.calibrate(key, new RateLimitSnapshot(t0, Map.of(INPUT_TOKENS, new RateLimitSnapshot.Entry(60_000, 5_000, null, 1000))));
        assertThat(level(q, key, INPUT_TOKENS)).isEqualTo(30_000);
    }

    @Test
    void aChangedLimitIsLearnedAndLimitsCanChangeAtRunTime() {
        Quotas q = tier1();
        q.calibrate(key, new RateLimitSnapshot(time.instant(), Map.of(REQUESTS, new RateLimitSnapshot.Entry(1_000, 1_000, null, 1))));
        assertThat(q.view(key).dimension(REQUESTS).limit()).isEqualTo(Limit.perMinute(1_000));
        q.setLimit(key, REQUESTS, Limit.perMinute(10));
        assertThat(level(q, key, REQUESTS)).isEqualTo(10);
    }

    @Test
    void aFixedConcurrencyLimitIsPartOfAdmission() {
        Quotas q = Quotas.builder().time(time).concurrency(ConcurrencyLimit.fixed(2)).coldStartConcurrency(Integer.MAX_VALUE).build();
        Permit a = q.tryAcquire(key, Cost.requests(1, 1, 1));
        Permit b = q.tryAcquire(key, Cost.requests(1, 1, 1));
        CompletableFuture<Permit> c = q.acquire(key, Cost.requests(1, 1, 1), Priority.NORMAL, null);
        assertThat(c).isNotDone();
        a.settle(Cost.requests(1, 1, 1));
        assertThat(c).isCompleted();
        assertThat(q.view(key).inFlight()).isEqualTo(2);
        b.release();
    }

    @Test
    void withNoConcurrencyLimitTheViewCountsCallsAdmittedBeforeAndAfterTheColdStart() {
        Quotas q = Quotas.builder().time(time).coldStartConcurrency(2).build();
        Permit cold1 = q.tryAcquire(key, Cost.requests(1, 1, 1));
        Permit cold2 = q.tryAcquire(key, Cost.requests(1, 1, 1));
        assertThat(q.tryAcquire(key, Cost.requests(1, 1, 1))).as("the cold start holds a third call").isNull();
        cold1.settle(Cost.requests(1, 1, 1));
        Permit warm1 = q.tryAcquire(key, Cost.requests(1, 1, 1));
        Permit warm2 = q.tryAcquire(key, Cost.requests(1, 1, 1));
        assertThat(q.view(key).inFlight()).isEqualTo(3);
        warm1.settle(Cost.requests(1, 1, 1));
        warm1.settle(Cost.requests(1, 1, 1));
        cold2.release();
        cold2.release();
        assertThat(q.view(key).inFlight()).isEqualTo(1);
        assertThat(warm1.isOpen()).isFalse();
        warm2.release();
        assertThat(q.view(key).inFlight()).isZero();
    }

    @Test
    void anAdaptiveLimitIsCutOnDropsAndGrowsOnSuccessWhileUsed() {
        Quotas q = Quotas.builder().time(time).concurrency(ConcurrencyLimit.adaptive(new AimdLimit.Settings(10, 1, 20, 0.5)))
                .coldStartConcurrency(Integer.MAX_VALUE).build();
        Permit p = q.tryAcquire(key, Cost.requests(1, 0, 0));
        engine(p).signal(ConcurrencySignal.DROPPED);
        p.release();
        assertThat(q.view(key).concurrencyLimit()).isEqualTo(5);
        List<Permit> held = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            held.add(q.tryAcquire(key, Cost.requests(1, 0, 0)));
        }
        assertThat(q.tryAcquire(key, Cost.requests(1, 0, 0))).isNull();
        for (Permit h : held) {
            engine(h).signal(ConcurrencySignal.SUCCESS);
            h.settle(Cost.requests(1, 0, 0));
        }
        assertThat(q.view(key).concurrencyLimit()).isGreaterThan(5);
        // An idle client does not inflate its limit.
        for (int i = 0; i < 50; i++) {
            Permit lone = q.tryAcquire(key, Cost.requests(1, 0, 0));
            engine(lone).signal(ConcurrencySignal.SUCCESS);
            lone.settle(Cost.requests(1, 0, 0));
        }
        assertThat(q.view(key).concurrencyLimit()).isLessThan(20);
    }

    @Test
    void theLineIsWokenByOneScheduledTaskNotByPolling() {
        Quotas q = tier1();
        consume(q, Cost.requests(60, 0, 0));
        for (int i = 0; i < 100; i++) {
            q.acquire(key, Cost.requests(1, 0, 0), Priority.BULK, null);
        }
        assertThat(time.pendingTasks()).isEqualTo(1);
    }

    private RateLimitSnapshot snapshot(long rl, long rr, long il, long ir, long ol, long or) {
        return new RateLimitSnapshot(time.instant(), Map.of(
                REQUESTS, new RateLimitSnapshot.Entry(rl, rr, null, 1),
                INPUT_TOKENS, new RateLimitSnapshot.Entry(il, ir, null, 1000),
                OUTPUT_TOKENS, new RateLimitSnapshot.Entry(ol, or, null, 1000)));
    }

    @Test
    void aWaitingCallIsReestimatedWhenItReachesTheHeadOfTheLine() {
        Quotas q = tier1();
        Permit first = q.tryAcquire(key, Cost.requests(1, 100, 4_000));
        // Queued while nothing was known: it would reserve 4,000 output tokens, which do not fit beside the first.
        long[] estimate = {4_000};
        CompletableFuture<Permit> second = q.acquire(key, Cost.requests(1, 100, 4_000), Priority.NORMAL, null,
                () -> Cost.requests(1, 100, estimate[0]));
        assertThat(second).isNotDone();
        // Meanwhile the estimator learned that outputs are short: the next look at the head admits it at the new figure.
        estimate[0] = 1_500;
        first.settle(Cost.requests(1, 100, 500));
        assertThat(second).isCompleted();
        assertThat(second.join().reserved().get(OUTPUT_TOKENS)).isEqualTo(1_500);
        assertThat(level(q, key, OUTPUT_TOKENS)).isEqualTo(6_000 - 500 - 1_500);
    }

    @Test
    void aReestimateThatCanNeverFitFailsTheWaitingCallClearly() {
        Quotas q = tier1();
        Permit first = q.tryAcquire(key, Cost.requests(1, 100, 5_000));
        CompletableFuture<Permit> second = q.acquire(key, Cost.requests(1, 100, 4_000), Priority.NORMAL, null,
                () -> Cost.requests(1, 100, 7_000));
        first.settle(Cost.requests(1, 100, 5_000));
        assertThat(second).isCompletedExceptionally();
        assertThatThrownBy(second::join).hasCauseInstanceOf(CapacityExceeded.class);
    }
}
