package dev.pacer.bench.strategy;

import dev.pacer.bench.Job;
import dev.pacer.bench.Scenario;
import java.util.SplittableRandom;

/**
 * The official SDKs' built-in retry, as in anthropic-sdk-python {@code _base_client.py} (and the
 * TypeScript and Java SDKs, which match it): {@code max_retries = 2}, retry on 408, 409, 429, 5xx
 * and connection errors, the server's delay obeyed when within (0, 60] s, else 0.5 s doubling to
 * 8 s times a factor in (0.75, 1]. No limiter, no fallback; the caller runs 8 workers (see
 * {@link BlockingStrategy}). The TypeScript and Java SDKs obey a server delay of any length; this
 * follows Python, which falls back to its own backoff above 60 s (the simulator asks for that much
 * only when an output bucket is deep in debt). Source: shared/reference/anthropic-api.md section 7.
 */
public final class SdkDefault extends BlockingStrategy {

    private static final int MAX_RETRIES = 2;
    private final SplittableRandom random;

    public SdkDefault(Env env) {
        super(env, 8);
        this.random = env.random();
    }

    @Override
    public String name() {
        return "sdk-default";
    }

    @Override
    boolean call(Job job) throws InterruptedException {
        return create(env, job, MAX_RETRIES, random);
    }

    /** {@code client.messages.create} with the SDK's retries. */
    static boolean create(Env env, Job job, int maxRetries, SplittableRandom random) throws InterruptedException {
        return createAnswer(env, job, maxRetries, random).ok();
    }

    /** As {@link #create}, returning the last answer. */
    static Wire.Answer createAnswer(Env env, Job job, int maxRetries, SplittableRandom random) throws InterruptedException {
        for (int retries = 0; ; retries++) {
            Wire.Answer a = Wire.send(env.http(), job.params(Scenario.PRIMARY));
            if (a.ok() || retries >= maxRetries || !Wire.sdkShouldRetry(a)) {
                return a;
            }
            double delay;
            synchronized (random) {
                delay = Wire.sdkRetryDelay(a, retries, random, env.clock().scale());
            }
            env.sleep(delay);
        }
    }
}
