package dev.pacer.bench.redis;

import dev.pacer.quota.Cost;
import dev.pacer.quota.Dimension;
import dev.pacer.quota.Limit;
import dev.pacer.quota.Permit;
import dev.pacer.quota.QuotaKey;
import dev.pacer.quota.Quotas;
import dev.pacer.redis.RedisQuotaStore;
import dev.pacer.redis.RedisStoreOptions;
import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.BucketConfiguration;
import io.github.bucket4j.distributed.BucketProxy;
import io.github.bucket4j.distributed.proxy.optimization.Optimizations;
import io.github.bucket4j.redis.lettuce.Bucket4jLettuce;
import io.github.bucket4j.redis.lettuce.cas.LettuceBasedProxyManager;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.ByteArrayCodec;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code pacer-bench redis-admission}: one admission at a time per thread, on one key, against one
 * Redis, with limits so high that nobody waits: Pacer's Redis store (a three-dimension reservation
 * through {@link Quotas} and its settlement), Bucket4j's Lettuce integration (a one-token
 * {@code tryConsume}, its default compare-and-swap and its batching mode) and a bare {@code PING} as
 * the floor. Per mode and thread count: admissions per second, latency p50 and p99 of the call that
 * admits, and the Redis commands sent per admission (counted by the clients: a Lettuce command
 * listener, the store's own count; Pacer's settlement is one of its two, pipelined and not waited
 * for). Rounds alternate the modes; medians are reported.
 */
@Command(name = "redis-admission", mixinStandardHelpOptions = true,
        description = "Admissions through a shared Redis: Pacer's store, Bucket4j (CAS, batching) and PING, at 1 and 8 threads.")
public final class RedisAdmissionCommand implements Callable<Integer> {

    private static final long HUGE = 1_000_000_000_000_000L;

    @Option(names = "--seconds", defaultValue = "2", description = "Measured seconds per mode, thread count and round. Default: ${DEFAULT-VALUE}.")
    double seconds;

    @Option(names = "--rounds", defaultValue = "3", description = "Rounds (medians are reported). Default: ${DEFAULT-VALUE}.")
    int rounds;

    @Option(names = "--threads", split = ",", defaultValue = "1,8", description = "Thread counts. Default: ${DEFAULT-VALUE}.")
    List<Integer> threads;

    /** One mode's admission, as one call. */
    private interface Admit {
        void once();
    }

    private record Measured(double perSecond, double p50Micros, double p99Micros, double commandsPerAdmission) {
    }

    @Override
    public Integer call() throws Exception {
        String uri = BenchRedis.uri();
        RedisClient raw = RedisClient.create(uri);
        LongAdder rawCommands = new LongAdder();
        raw.addListener(new io.lettuce.core.event.command.CommandListener() {
            @Override
            public void commandStarted(io.lettuce.core.event.command.CommandStartedEvent event) {
                rawCommands.increment();
            }
        });
        try (StatefulRedisConnection<String, String> strings = raw.connect();
             StatefulRedisConnection<byte[], byte[]> bytes = raw.connect(ByteArrayCodec.INSTANCE);
             RedisQuotaStore store = RedisQuotaStore.connect(uri, RedisStoreOptions.builder().namespace("bench-admission")
                     .commandTimeout(Duration.ofSeconds(10)).build())) {
            QuotaKey key = QuotaKey.of("anthropic:bench:sonnet-4");
            Limit huge = Limit.of(HUGE, HUGE, Duration.ofSeconds(1));
            Quotas quotas = Quotas.builder().store(store).coldStartConcurrency(Integer.MAX_VALUE)
                    .limit(key, Dimension.REQUESTS, huge).limit(key, Dimension.INPUT_TOKENS, huge)
                    .limit(key, Dimension.OUTPUT_TOKENS, huge).build();
            Cost estimate = Cost.requests(1, 1_200, 600);
            Cost actual = Cost.requests(1, 1_180, 240);
            LettuceBasedProxyManager<byte[]> proxies = Bucket4jLettuce.casBasedBuilder(bytes).build();
            BucketConfiguration config = BucketConfiguration.builder()
                    .addLimit(Bandwidth.builder().capacity(HUGE).refillGreedy(HUGE, Duration.ofDays(365)).build()).build();
            byte[] casKey = "bench-bucket4j-cas".getBytes(StandardCharsets.UTF_8);
            byte[] batchKey = "bench-bucket4j-batching".getBytes(StandardCharsets.UTF_8);
            BucketProxy cas = proxies.builder().build(casKey, () -> config);
            BucketProxy batching = proxies.builder().withOptimization(Optimizations.batching()).build(batchKey, () -> config);

            String[] names = {"PING", "pacer-redis (3 dimensions, reserve + settle)", "bucket4j-lettuce CAS (1 token)",
                "bucket4j-lettuce batching (1 token)"};
            Admit[] modes = {
                () -> strings.sync().ping(),
                () -> {
                    Permit p = quotas.tryAcquire(key, estimate);
                    if (p == null) {
                        throw new IllegalStateException("refused under a huge limit");
                    }
                    p.settle(actual);
                },
                () -> {
                    if (!cas.tryConsume(1)) {
                        throw new IllegalStateException("refused under a huge limit");
                    }
                },
                () -> {
                    if (!batching.tryConsume(1)) {
                        throw new IllegalStateException("refused under a huge limit");
                    }
                },
            };
            System.out.printf(Locale.ROOT, "Redis at %s; %d rounds of %.1f s per mode and thread count (medians); %d cores%n", uri,
                    rounds, seconds, Runtime.getRuntime().availableProcessors());
            for (int t : threads) {
                List<List<Measured>> byMode = new ArrayList<>();
                for (int m = 0; m < modes.length; m++) {
                    byMode.add(new ArrayList<>());
                    measure(modes[m], t, 0.5, () -> rawCommands.sum() + store.commandsSent()); // warm-up
                }
                for (int r = 0; r < rounds; r++) {
                    for (int m = 0; m < modes.length; m++) {
                        byMode.get(m).add(measure(modes[m], t, seconds, () -> rawCommands.sum() + store.commandsSent()));
                    }
                }
                System.out.printf(Locale.ROOT, "%n%d thread%s, one key:%n", t, t == 1 ? "" : "s");
                System.out.printf(Locale.ROOT, "| mode | admissions/s | p50 ms | p99 ms | commands sent per admission |%n");
                System.out.printf(Locale.ROOT, "|---|---|---|---|---|%n");
                for (int m = 0; m < modes.length; m++) {
                    List<Measured> ms = byMode.get(m);
                    System.out.printf(Locale.ROOT, "| %s | %,.0f | %.3f | %.3f | %.2f |%n", names[m],
                            median(ms, Measured::perSecond), median(ms, Measured::p50Micros) / 1000,
                            median(ms, Measured::p99Micros) / 1000, median(ms, Measured::commandsPerAdmission));
                }
            }
        } finally {
            raw.shutdown();
        }
        return 0;
    }

    private static Measured measure(Admit admit, int threads, double seconds, java.util.function.LongSupplier sent)
            throws InterruptedException {
        long commandsBefore = sent.getAsLong();
        AtomicBoolean stop = new AtomicBoolean();
        LongAdder count = new LongAdder();
        long[][] latencies = new long[threads][];
        int[] filled = new int[threads];
        CountDownLatch done = new CountDownLatch(threads);
        List<Thread> workers = new ArrayList<>();
        for (int i = 0; i < threads; i++) {
            int me = i;
            latencies[i] = new long[1 << 20];
            Thread w = new Thread(() -> {
                try {
                    while (!stop.get()) {
                        long t0 = System.nanoTime();
                        admit.once();
                        long t1 = System.nanoTime();
                        if (filled[me] < latencies[me].length) {
                            latencies[me][filled[me]++] = t1 - t0;
                        }
                        count.increment();
                    }
                } finally {
                    done.countDown();
                }
            });
            w.start();
            workers.add(w);
        }
        long start = System.nanoTime();
        Thread.sleep((long) (seconds * 1000));
        stop.set(true);
        done.await();
        double elapsed = (System.nanoTime() - start) / 1e9;
        long admissions = count.sum();
        long commands = sent.getAsLong() - commandsBefore;
        int total = 0;
        for (int f : filled) {
            total += f;
        }
        long[] all = new long[total];
        int at = 0;
        for (int i = 0; i < threads; i++) {
            System.arraycopy(latencies[i], 0, all, at, filled[i]);
            at += filled[i];
        }
        Arrays.sort(all);
        return new Measured(admissions / elapsed, all[(int) (all.length * 0.50)] / 1000.0,
                all[Math.min(all.length - 1, (int) (all.length * 0.99))] / 1000.0, (double) commands / Math.max(1, admissions));
    }

    private static double median(List<Measured> ms, java.util.function.ToDoubleFunction<Measured> f) {
        double[] v = ms.stream().mapToDouble(f).sorted().toArray();
        return v[v.length / 2];
    }
}
