package dev.pacer.bench.strategy;

import dev.pacer.bench.Job;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;

/**
 * A baseline written the way its source writes it: blocking code on a pool of {@code workers}
 * threads, each holding its worker through its own retries and sleeps (here virtual threads and
 * a semaphore, sleeping on simulated time).
 *
 * <p>Why 8 workers: it is the kind of round figure a user picks for a thread pool (the seed
 * documents' own {@code process_batch} uses a semaphore of 5), and it does not bind. At the
 * simulator's latency (0.6 s to the first token, 80 tokens a second) a request of these workloads
 * takes about 8 s on average (mean output ~580 tokens), so 8 workers can carry about 60 requests a
 * minute: more than the 50 RPM limit and about four times the ~15 a minute the token limits allow.
 * What limits these baselines is their algorithm, not their pool.
 */
abstract class BlockingStrategy implements Strategy {

    final Env env;
    private final int workers;
    private final Semaphore slots;
    private final ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();

    BlockingStrategy(Env env, int workers) {
        this.env = env;
        this.workers = workers;
        this.slots = new Semaphore(workers, true);
    }

    /** Sends one request by the algorithm; true when it succeeded. */
    abstract boolean call(Job job) throws InterruptedException;

    @Override
    public String concurrency() {
        return workers + " workers";
    }

    @Override
    public CompletableFuture<String> submit(Job job) {
        CompletableFuture<String> done = new CompletableFuture<>();
        threads.execute(() -> {
            try {
                slots.acquire();
                try {
                    done.complete(call(job) ? dev.pacer.bench.Scenario.PRIMARY : null);
                } finally {
                    slots.release();
                }
            } catch (InterruptedException stopped) {
                done.complete(null);
            } catch (RuntimeException e) {
                done.complete(null);
            }
        });
        return done;
    }

    @Override
    public void close() {
        threads.shutdownNow();
    }
}
