package dev.pacer.bench.strategy;

import dev.pacer.bench.Job;
import java.util.concurrent.CompletableFuture;

/**
 * One way of sending a scenario's requests: a faithful re-implementation of a common algorithm,
 * or Pacer. Every strategy sends through the same HTTP client ({@link Wire}), so differences come
 * from the algorithm alone.
 */
public interface Strategy extends AutoCloseable {

    /** Its name in the report. */
    String name();

    /** The concurrency a user of this algorithm would choose, as stated in the report. */
    String concurrency();

    /**
     * Sends one logical request. The future completes with the model that answered, or with
     * null when the strategy gave up (the failure reached the caller); it never completes
     * exceptionally.
     */
    CompletableFuture<String> submit(Job job);

    /** Stops: pending work is abandoned. */
    @Override
    void close();
}
