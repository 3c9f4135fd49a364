package dev.pacer.batch;

import dev.pacer.quota.Cost;
import dev.pacer.quota.Dimension;
import dev.pacer.quota.QuotaKey;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.DoubleAdder;

/**
 * Running counts of one run, for the progress line and the summary. Token totals are what was
 * billed (all input, cached or not); {@link #pools} holds, per quota pool, what that pool's rate
 * limits counted (cache reads excluded where the API excludes them), so rates are only ever
 * compared with the limits of the pool that spent them.
 */
final class Tally {

    /** What one quota pool (an API key on a model class) was charged by settled calls. */
    static final class Pool {
        /** The pool's name for a reader: its model class, such as {@code sonnet-4}. */
        final String name;
        final AtomicLong requests = new AtomicLong();
        final AtomicLong input = new AtomicLong();
        final AtomicLong output = new AtomicLong();

        Pool(String name) {
            this.name = name;
        }

        void add(Cost actual) {
            requests.addAndGet(actual.get(Dimension.REQUESTS));
            input.addAndGet(actual.get(Dimension.INPUT_TOKENS));
            output.addAndGet(actual.get(Dimension.OUTPUT_TOKENS));
        }
    }

    final AtomicLong input = new AtomicLong();
    final AtomicLong output = new AtomicLong();
    final DoubleAdder cost = new DoubleAdder();
    final AtomicLong attempts = new AtomicLong();
    final AtomicLong retries = new AtomicLong();
    final AtomicLong fallbacks = new AtomicLong();
    final AtomicLong wire429 = new AtomicLong();
    final AtomicLong wire529 = new AtomicLong();
    final AtomicInteger done = new AtomicInteger();
    final AtomicInteger errored = new AtomicInteger();
    /** Requests that never got an answer from the API (connection failures, timeouts): left for the resume. */
    final AtomicInteger unanswered = new AtomicInteger();
    final Map<QuotaKey, Pool> pools = new ConcurrentHashMap<>();

    /** The pool of {@code key}, named {@code name} when it is new. */
    Pool pool(QuotaKey key, String name) {
        return pools.computeIfAbsent(key, k -> new Pool(name));
    }
}
