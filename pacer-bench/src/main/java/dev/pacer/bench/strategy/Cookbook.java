package dev.pacer.bench.strategy;

import dev.pacer.bench.Job;
import dev.pacer.bench.Scenario;
import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The OpenAI cookbook's {@code api_request_parallel_processor.py}, the widely copied throttler,
 * on Anthropic: one dispatch loop; a request bucket (RPM) and a token bucket (TPM) that refill
 * continuously and start full; a request goes when the requests bucket holds 1 and the token
 * bucket holds its estimate (input tokens + {@code max_tokens}), strictly in order, retries
 * first; every error is retried (up to 5 attempts, no backoff of its own); after a rate-limit
 * error all dispatch pauses for 15 s. The user gives it the tier's figures: 50 RPM and
 * 38,000 TPM (input + output). Concurrency is whatever the buckets allow.
 *
 * <p>Where a literal port to Anthropic would differ, this one takes the side of the algorithm
 * as intended, which favours the baseline: it counts a request's input tokens exactly (the script
 * counts with {@code cl100k_base}, another model's tokenizer); it recognises a rate-limit error
 * by its 429 status (the widely copied script looks for "Rate limit" in the message and the
 * current one for {@code error.code == "429"}, and neither matches Anthropic's body, so a
 * literal port would never pause); and it is given 100% of the tier's figures, not the 50-75%
 * headroom the script's docstring advises. Source: {@code openai/openai-cookbook
 * examples/api_request_parallel_processor.py} (shared/reference/anchors-gateways.md section 4).
 */
public final class Cookbook implements Strategy {

    private static final int MAX_ATTEMPTS = 5;
    private static final double PAUSE_AFTER_RATE_LIMIT = 15;

    private final Env env;
    private final double rpm;
    private final double tpm;
    private final ConcurrentLinkedQueue<Item> incoming = new ConcurrentLinkedQueue<>();
    private final ConcurrentLinkedQueue<Item> retries = new ConcurrentLinkedQueue<>();
    private final ExecutorService tasks = Executors.newVirtualThreadPerTaskExecutor();
    private final Thread loop;
    private volatile double lastRateLimitError = Double.NEGATIVE_INFINITY;
    private volatile boolean stopped;

    private static final class Item {
        final Job job;
        final CompletableFuture<String> done = new CompletableFuture<>();
        final long tokens;
        int attemptsLeft = MAX_ATTEMPTS;

        Item(Job job) {
            this.job = job;
            this.tokens = job.inputTokens() + (long) job.maxTokens();
        }
    }

    public Cookbook(Env env) {
        this.env = env;
        this.rpm = env.rpm();
        this.tpm = env.itpm() + env.otpm();
        this.loop = Thread.ofVirtual().name("cookbook-dispatch").start(this::dispatch);
    }

    @Override
    public String name() {
        return "cookbook";
    }

    @Override
    public String concurrency() {
        return "unbounded (bucket-limited)";
    }

    @Override
    public CompletableFuture<String> submit(Job job) {
        Item item = new Item(job);
        incoming.add(item);
        return item.done;
    }

    private void dispatch() {
        double requestCapacity = rpm;
        double tokenCapacity = tpm;
        double lastUpdate = env.now();
        Item next = null;
        try {
            while (!stopped) {
                if (next == null) {
                    next = retries.poll();
                    if (next == null) {
                        next = incoming.poll();
                    }
                }
                double now = env.now();
                double elapsed = now - lastUpdate;
                requestCapacity = Math.min(requestCapacity + rpm * elapsed / 60, rpm);
                tokenCapacity = Math.min(tokenCapacity + tpm * elapsed / 60, tpm);
                lastUpdate = now;
                if (next != null && requestCapacity >= 1 && tokenCapacity >= next.tokens) {
                    requestCapacity -= 1;
                    tokenCapacity -= next.tokens;
                    next.attemptsLeft--;
                    Item sending = next;
                    tasks.execute(() -> call(sending));
                    next = null;
                }
                Thread.sleep(1);
                double sinceRateLimit = env.now() - lastRateLimitError;
                if (sinceRateLimit < PAUSE_AFTER_RATE_LIMIT) {
                    env.sleep(PAUSE_AFTER_RATE_LIMIT - sinceRateLimit);
                }
            }
        } catch (InterruptedException stop) {
            // closing
        }
    }

    private void call(Item item) {
        try {
            Wire.Answer a = Wire.send(env.http(), item.job.params(Scenario.PRIMARY));
            if (a.ok()) {
                item.done.complete(Scenario.PRIMARY);
                return;
            }
            if (a.status() == 429) {
                lastRateLimitError = env.now();
            }
            if (item.attemptsLeft > 0) {
                retries.add(item);
            } else {
                item.done.complete(null);
            }
        } catch (InterruptedException stop) {
            item.done.complete(null);
        }
    }

    @Override
    public void close() {
        stopped = true;
        loop.interrupt();
        tasks.shutdownNow();
    }
}
