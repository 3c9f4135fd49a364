package dev.pacer.redis;

import dev.pacer.quota.Cost;
import dev.pacer.quota.Dimension;
import dev.pacer.quota.Limit;
import dev.pacer.quota.Permit;
import dev.pacer.quota.QuotaKey;
import dev.pacer.quota.Quotas;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.locks.LockSupport;

/**
 * One JVM of {@code FleetContentionTest}: {@code threads} threads reserve on one quota through the
 * Redis store for {@code millis}, each admission printed as "before after requests input" (wall-clock
 * microseconds around the reserve that granted it), then "DONE".
 * Arguments: uri key threads millis [memory] ("memory": each process on its own in-memory store, the
 * store-less fleet, which the bound must catch).
 */
public final class ContentionWorker {

    static final Limit REQUESTS = new Limit(20, 10);
    static final Limit INPUT = new Limit(2_000, 1_000);

    public static void main(String[] args) throws Exception {
        String uri = args[0];
        QuotaKey key = QuotaKey.of(args[1]);
        int threads = Integer.parseInt(args[2]);
        long millis = Long.parseLong(args[3]);
        try (RedisQuotaStore store = RedisQuotaStore.connect(uri, RedisStoreOptions.builder()
                .commandTimeout(Duration.ofSeconds(10)).build())) {
            Quotas.Builder builder = Quotas.builder();
            if (args.length < 5 || !args[4].equals("memory")) {
                builder.store(store);
            }
            Quotas quotas = builder.coldStartConcurrency(Integer.MAX_VALUE)
                    .limit(key, Dimension.REQUESTS, REQUESTS).limit(key, Dimension.INPUT_TOKENS, INPUT).build();
            long end = System.nanoTime() + millis * 1_000_000;
            List<Thread> workers = new ArrayList<>();
            List<String> lines = java.util.Collections.synchronizedList(new ArrayList<>());
            for (int t = 0; t < threads; t++) {
                Thread w = new Thread(() -> {
                    while (System.nanoTime() < end) {
                        long input = 1 + ThreadLocalRandom.current().nextInt(200);
                        long before = micros();
                        Permit p = quotas.tryAcquire(key, Cost.of(Dimension.REQUESTS, 1, Dimension.INPUT_TOKENS, input));
                        long after = micros();
                        if (p != null) {
                            lines.add(before + " " + after + " 1 " + input);
                            p.settle(p.reserved());
                        } else {
                            LockSupport.parkNanos(ThreadLocalRandom.current().nextLong(500_000, 3_000_000));
                        }
                    }
                });
                w.start();
                workers.add(w);
            }
            for (Thread w : workers) {
                w.join();
            }
            PrintStream out = System.out;
            for (String line : lines) {
                out.println(line);
            }
            out.println("DONE");
            out.flush();
        }
    }

    private static long micros() {
        java.time.Instant now = java.time.Instant.now();
        return now.getEpochSecond() * 1_000_000 + now.getNano() / 1_000;
    }
}
