package dev.pacer.quota;

import static dev.pacer.quota.Dimension.INPUT_TOKENS;
import static dev.pacer.quota.Dimension.OUTPUT_TOKENS;
import static dev.pacer.quota.Dimension.REQUESTS;
import static org.assertj.core.api.Assertions.assertThat;

import dev.pacer.QuotaWaitExceeded;
import dev.pacer.spi.QuotaStore;
import dev.pacer.time.VirtualTime;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;

/**
 * Properties of admission over random workloads on virtual time: what is admitted over any
 * window never exceeds capacity + rate x window; capacity is conserved; order is FIFO within a
 * class; deadline failures are immediate. Each property is a check over any {@link QuotaStore},
 * driven through {@link Quotas} (the engine's line in front of the store's interface).
 */
public class QuotaPropertiesTest {

    /**
     * The default store. Another store runs the same checks (they are public, in pacer-core's test-jar:
     * pacer-redis runs them; see also {@code BrokenStoresFailThePropertiesTest}).
     */
    public static final Function<VirtualTime, QuotaStore> IN_MEMORY = QuotaStore::inMemory;

    private static final QuotaKey KEY = QuotaKey.of("prop");
    private static final Dimension[] DIMS = {REQUESTS, INPUT_TOKENS, OUTPUT_TOKENS};
    private static final long[] CAPACITY = {20, 20_000, 5_000};

    private record Admission(long atNanos, Cost actual) {
    }

    @Property(tries = 60)
    void admittedCostOverAnyWindowNeverExceedsCapacityPlusRefill(@ForAll @LongRange(min = 1, max = Long.MAX_VALUE) long seed,
                                                                @ForAll @IntRange(min = 20, max = 300) int calls) {
        checkAdmittedCostOverAnyWindowNeverExceedsCapacityPlusRefill(IN_MEMORY, seed, calls);
    }



    private static void assertWindowBound(List<Admission> admissions, Dimension d, long capacity, double perSecond) {
        // Every window starts and ends at an admission instant (the worst windows do).
        for (int i = 0; i < admissions.size(); i++) {
            long sum = 0;
            for (int j = i; j < admissions.size(); j++) {
                sum += admissions.get(j).actual().get(d);
                double window = (admissions.get(j).atNanos() - admissions.get(i).atNanos()) / 1e9;
                assertThat((double) sum).as("%s admitted between admissions %d and %d", d, i, j)
                        .isLessThanOrEqualTo(capacity + perSecond * window + 1e-6);
            }
        }
    }

    @Property(tries = 60)
    void settleAndReleaseNeverLoseOrCreateCapacity(@ForAll @LongRange(min = 1, max = Long.MAX_VALUE) long seed) {
        checkSettleAndReleaseNeverLoseOrCreateCapacity(IN_MEMORY, seed);
    }



    private static void closeAdmitted(List<CompletableFuture<Permit>> futures) {
        for (CompletableFuture<Permit> f : futures) {
            if (f.isDone() && !f.isCancelled()) {
                f.join().close();
            }
        }
    }

    @Property(tries = 40)
    void admissionIsFifoWithinAClass(@ForAll @LongRange(min = 1, max = Long.MAX_VALUE) long seed) {
        checkAdmissionIsFifoWithinAClass(IN_MEMORY, seed);
    }



    @Property(tries = 40)
    void deadlineFailuresAreImmediate(@ForAll @LongRange(min = 1, max = Long.MAX_VALUE) long seed) {
        checkDeadlineFailuresAreImmediate(IN_MEMORY, seed);
    }



    private static Quotas limited(VirtualTime time, Function<VirtualTime, QuotaStore> stores) {
        Quotas.Builder b = Quotas.builder().time(time).store(stores.apply(time));
        for (int d = 0; d < DIMS.length; d++) {
            b.limit(KEY, DIMS[d], Limit.perMinute(CAPACITY[d]));
        }
        return b.build();
    }

    // ---------------------------------------------------------------- the checks, for any store

    public static void checkAdmittedCostOverAnyWindowNeverExceedsCapacityPlusRefill(Function<VirtualTime, QuotaStore> stores, long seed,
                                                                            int calls) {
        VirtualTime time = new VirtualTime();
        Quotas quotas = limited(time, stores);
        Random random = new Random(seed);
        List<Admission> admissions = new ArrayList<>();
        List<Permit> open = new ArrayList<>();
        java.util.Map<Permit, Cost> actuals = new java.util.IdentityHashMap<>();
        for (int i = 0; i < calls; i++) {
            Cost estimate = Cost.requests(1, 1 + random.nextInt(8_000), 1 + random.nextInt(3_000));
            Cost actual = Cost.requests(1, estimate.get(INPUT_TOKENS) - random.nextInt((int) estimate.get(INPUT_TOKENS)),
                    random.nextInt((int) estimate.get(OUTPUT_TOKENS) + 1));
            Priority priority = Priority.values()[random.nextInt(3)];
            quotas.acquire(KEY, estimate, priority, null).thenAccept(p -> {
                admissions.add(new Admission(time.nanoTime(), actual));
                actuals.put(p, actual);
                open.add(p);
            });
            time.advance(Duration.ofMillis(random.nextInt(800)));
            // Settle some of what is open, with the (smaller) actual cost.
            while (!open.isEmpty() && random.nextInt(3) > 0) {
                Permit p = open.remove(random.nextInt(open.size()));
                p.settle(actuals.get(p));
            }
        }
        // Drain the backlog: settle what is admitted, minute by minute, until everyone got in.
        for (int minute = 0; minute < 24 * 60 && admissions.size() < calls; minute++) {
            while (!open.isEmpty()) {
                Permit p = open.remove(0); // settling may admit the next waiter, which joins "open"
                p.settle(actuals.get(p));
            }
            time.advance(Duration.ofMinutes(1));
        }
        assertThat(admissions).hasSize(calls);
        for (int d = 0; d < DIMS.length; d++) {
            assertWindowBound(admissions, DIMS[d], CAPACITY[d], CAPACITY[d] / 60.0);
        }
    }

    public static void checkSettleAndReleaseNeverLoseOrCreateCapacity(Function<VirtualTime, QuotaStore> stores, long seed) {
        VirtualTime time = new VirtualTime();
        Quotas quotas = limited(time, stores);
        Random random = new Random(seed);
        List<CompletableFuture<Permit>> futures = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            futures.add(quotas.acquire(KEY, Cost.requests(1, random.nextInt(10_000), random.nextInt(4_000)),
                    Priority.values()[random.nextInt(3)], null));
            if (random.nextInt(5) == 0 && !futures.isEmpty()) {
                futures.get(random.nextInt(futures.size())).cancel(false);
            }
            time.advance(Duration.ofMillis(random.nextInt(2_000)));
            for (CompletableFuture<Permit> f : futures) {
                if (f.isDone() && !f.isCancelled() && f.join().isOpen() && random.nextBoolean()) {
                    Permit p = f.join();
                    if (random.nextBoolean()) {
                        p.release();
                    } else {
                        p.settle(p.reserved());
                    }
                }
            }
        }
        // Close everything admitted, let time pass, repeat until the line is empty.
        for (int round = 0; round < 1_000 && !futures.stream().allMatch(CompletableFuture::isDone); round++) {
            closeAdmitted(futures);
            time.advance(Duration.ofMinutes(1));
        }
        closeAdmitted(futures);
        assertThat(futures).allMatch(CompletableFuture::isDone);
        time.advance(Duration.ofHours(2));
        QuotaView view = quotas.view(KEY);
        assertThat(view.inFlight()).isZero();
        assertThat(view.queued()).isZero();
        for (int d = 0; d < DIMS.length; d++) {
            assertThat(view.dimension(DIMS[d]).level()).isEqualTo((double) CAPACITY[d]);
            assertThat(view.dimension(DIMS[d]).reserved()).isZero();
        }
    }

    public static void checkAdmissionIsFifoWithinAClass(Function<VirtualTime, QuotaStore> stores, long seed) {
        VirtualTime time = new VirtualTime();
        Quotas quotas = limited(time, stores);
        Random random = new Random(seed);
        List<List<Integer>> admittedOrder = List.of(new ArrayList<>(), new ArrayList<>(), new ArrayList<>());
        int[] next = new int[3];
        for (int i = 0; i < 120; i++) {
            int cls = random.nextInt(3);
            int ticket = next[cls]++;
            quotas.acquire(KEY, Cost.requests(1, random.nextInt(15_000), random.nextInt(3_000)), Priority.values()[cls], null)
                    .thenAccept(p -> {
                        admittedOrder.get(cls).add(ticket);
                        p.settle(p.reserved());
                    });
            time.advance(Duration.ofMillis(random.nextInt(300)));
        }
        time.advance(Duration.ofHours(1));
        for (int cls = 0; cls < 3; cls++) {
            assertThat(admittedOrder.get(cls)).isSorted().hasSize(next[cls]);
        }
    }

    public static void checkDeadlineFailuresAreImmediate(Function<VirtualTime, QuotaStore> stores, long seed) {
        VirtualTime time = new VirtualTime();
        Quotas quotas = limited(time, stores);
        Random random = new Random(seed);
        for (int i = 0; i < 80; i++) {
            Duration budget = Duration.ofMillis(random.nextInt(5_000));
            CompletableFuture<Permit> f = quotas.acquire(KEY, Cost.requests(1, random.nextInt(12_000), random.nextInt(3_000)),
                    Priority.NORMAL, time.instant().plus(budget));
            if (f.isCompletedExceptionally()) {
                assertThat(f.exceptionNow()).isInstanceOf(QuotaWaitExceeded.class);
                assertThat(((QuotaWaitExceeded) f.exceptionNow()).waitEstimate()).isGreaterThan(budget);
            }
            time.advance(Duration.ofMillis(random.nextInt(400)));
        }
    }
}
