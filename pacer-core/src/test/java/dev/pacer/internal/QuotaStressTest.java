package dev.pacer.internal;

import static dev.pacer.quota.Dimension.INPUT_TOKENS;
import static dev.pacer.quota.Dimension.OUTPUT_TOKENS;
import static dev.pacer.quota.Dimension.REQUESTS;
import static org.assertj.core.api.Assertions.assertThat;

import dev.pacer.QuotaWaitExceeded;
import dev.pacer.quota.Cost;
import dev.pacer.quota.Dimension;
import dev.pacer.quota.Limit;
import dev.pacer.quota.Permit;
import dev.pacer.quota.Priority;
import dev.pacer.quota.QuotaKey;
import dev.pacer.quota.QuotaView;
import dev.pacer.quota.Quotas;
import dev.pacer.concurrency.ConcurrencyLimit;
import dev.pacer.time.VirtualTime;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * Many real threads acquire, settle, release and cancel against one key while another thread
 * moves virtual time. Afterwards: every future ended, nothing is in flight or queued, the
 * buckets are exactly full again, and real usage admitted over any window of virtual time stayed
 * within capacity + rate x window.
 */
class QuotaStressTest {

    private static final QuotaKey KEY = QuotaKey.of("stress");

    private record Admission(long atNanos, long requests, long input, long output) {
    }

    @Test
    void invariantsHoldUnderContentionWithAFixedConcurrencyLimit() throws Exception {
        invariantsHoldUnderContention(ConcurrencyLimit.fixed(32));
    }

    /** With no limit the line counts no slots once the cold start is over: the view must still add up. */
    @Test
    void invariantsHoldUnderContentionWithNoConcurrencyLimit() throws Exception {
        invariantsHoldUnderContention(ConcurrencyLimit.unlimited());
    }

    private void invariantsHoldUnderContention(ConcurrencyLimit concurrency) throws Exception {
        VirtualTime time = new VirtualTime();
        Quotas quotas = Quotas.builder().time(time)
                .limit(KEY, REQUESTS, Limit.perMinute(600))
                .limit(KEY, INPUT_TOKENS, Limit.perMinute(400_000))
                .limit(KEY, OUTPUT_TOKENS, Limit.perMinute(80_000))
                .concurrency(concurrency)
                .build();
        int threads = 8;
        int perThread = 400;
        ConcurrentLinkedQueue<Admission> admitted = new ConcurrentLinkedQueue<>();
        ConcurrentLinkedQueue<CompletableFuture<Permit>> all = new ConcurrentLinkedQueue<>();
        AtomicLong deadlineFailures = new AtomicLong();
        AtomicBoolean stop = new AtomicBoolean();
        CountDownLatch done = new CountDownLatch(threads);
        List<Thread> workers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            long seed = t;
            Thread worker = new Thread(() -> {
                Random random = new Random(seed);
                try {
                    for (int i = 0; i < perThread; i++) {
                        Cost estimate = Cost.requests(1, 1 + random.nextInt(20_000), 1 + random.nextInt(4_000));
                        Cost actual = Cost.requests(1, 1 + random.nextInt((int) estimate.get(INPUT_TOKENS)),
                                random.nextInt((int) estimate.get(OUTPUT_TOKENS) + 1));
                        var deadline = random.nextInt(4) == 0 ? time.instant().plusSeconds(random.nextInt(30)) : null;
                        CompletableFuture<Permit> f = quotas.acquire(KEY, estimate, Priority.values()[random.nextInt(3)], deadline);
                        all.add(f);
                        if (random.nextInt(10) == 0 && f.cancel(false)) {
                            continue; // (a future admitted before the cancel keeps its permit, handled below)
                        }
                        f.whenComplete((permit, error) -> {
                            if (error != null) {
                                if (error instanceof QuotaWaitExceeded || error.getCause() instanceof QuotaWaitExceeded) {
                                    deadlineFailures.incrementAndGet();
                                }
                                return;
                            }
                            long at = ((MemoryReservation) ((LinePermit) permit).reservation).admittedNanos;
                            ((LinePermit) permit).sent();
                            if (random.nextInt(5) == 0) {
                                permit.release(); // never reached the provider: it used nothing
                                admitted.add(new Admission(at, 0, 0, 0));
                                return;
                            }
                            admitted.add(new Admission(at, 1, actual.get(INPUT_TOKENS), actual.get(OUTPUT_TOKENS)));
                            // Settle a little later, on virtual time.
                            time.schedule(() -> permit.settle(actual), Duration.ofMillis(200 + random.nextInt(3_000)));
                        });
                    }
                } finally {
                    done.countDown();
                }
            });
            workers.add(worker);
            worker.start();
        }
        Thread driver = new Thread(() -> {
            while (!stop.get()) {
                time.advance(Duration.ofMillis(50));
                Thread.onSpinWait();
            }
        });
        driver.start();
        assertThat(done.await(60, TimeUnit.SECONDS)).isTrue();
        // Let the line drain, on virtual time.
        for (int i = 0; i < 100_000 && !all.stream().allMatch(CompletableFuture::isDone); i++) {
            Thread.onSpinWait();
        }
        for (int i = 0; i < 2_000; i++) {
            time.advance(Duration.ofSeconds(1));
        }
        stop.set(true);
        driver.join();
        time.advance(Duration.ofHours(1));

        assertThat(all).hasSize(threads * perThread).allMatch(CompletableFuture::isDone);
        QuotaView view = quotas.view(KEY);
        assertThat(view.inFlight()).isZero();
        assertThat(view.queued()).isZero();
        assertThat(view.dimension(REQUESTS).level()).isEqualTo(600);
        assertThat(view.dimension(INPUT_TOKENS).level()).isEqualTo(400_000);
        assertThat(view.dimension(OUTPUT_TOKENS).level()).isEqualTo(80_000);
        assertThat(admitted.size()).isGreaterThan(threads * perThread / 2);

        List<Admission> sorted = new ArrayList<>(admitted);
        sorted.sort((a, b) -> Long.compare(a.atNanos(), b.atNanos()));
        assertWithinBucket(sorted, 600, a -> a.requests());
        assertWithinBucket(sorted, 400_000, a -> a.input());
        assertWithinBucket(sorted, 80_000, a -> a.output());
    }

    /**
     * A settlement must never lose a wake-up. Each round fills the only
     * concurrency slot, then one thread queues a call for it while another settles the holder, at
     * the same moment; nothing else happens afterwards, so the queued call gets the slot only if
     * the settlement or the queuing noticed the other. (The timeout only detects a hang.)
     */
    @Test
    void aSettlementNeverLosesTheWakeUpOfTheCallWaitingForItsSlot() throws Exception {
        VirtualTime time = new VirtualTime();
        Quotas quotas = Quotas.builder().time(time)
                .limit(KEY, REQUESTS, Limit.perMinute(1_000_000_000))
                .concurrency(ConcurrencyLimit.fixed(1))
                .build();
        java.util.concurrent.ExecutorService settler = java.util.concurrent.Executors.newSingleThreadExecutor();
        try {
            for (int round = 0; round < 5_000; round++) {
                Permit holder = quotas.tryAcquire(KEY, Cost.of(REQUESTS, 1));
                assertThat(holder).isNotNull();
                CountDownLatch go = new CountDownLatch(1);
                java.util.concurrent.Future<?> settling = settler.submit(() -> {
                    go.await();
                    holder.settle(Cost.of(REQUESTS, 1));
                    return null;
                });
                go.countDown();
                CompletableFuture<Permit> waiting = quotas.acquire(KEY, Cost.of(REQUESTS, 1), Priority.NORMAL, null);
                settling.get(30, TimeUnit.SECONDS);
                Permit next = waiting.get(30, TimeUnit.SECONDS);
                next.release();
            }
        } finally {
            settler.shutdownNow();
        }
        QuotaView view = quotas.view(KEY);
        assertThat(view.inFlight()).isZero();
        assertThat(view.queued()).isZero();
    }

    private static void assertWithinBucket(List<Admission> admissions, long perMinute, java.util.function.ToLongFunction<Admission> amount) {
        double perNano = perMinute / 60e9;
        for (int i = 0; i < admissions.size(); i++) {
            long sum = 0;
            for (int j = i; j < admissions.size(); j++) {
                sum += amount.applyAsLong(admissions.get(j));
                double allowed = perMinute + perNano * (admissions.get(j).atNanos() - admissions.get(i).atNanos());
                if (sum > allowed + 1e-6) {
                    throw new AssertionError("admitted " + sum + " between admissions " + i + " and " + j + ", allowed " + allowed);
                }
            }
        }
    }
}
