package dev.pacer.bench.strategy;

import dev.pacer.bench.Job;
import java.util.ArrayDeque;
import java.util.SplittableRandom;

/**
 * The seed documents' {@code TokenBudgetedClient}: a 60-second sliding window of the tokens used
 * (input + output from each response's usage); before sending, it waits in 2-second sleeps until
 * {@code used + max_tokens < tpm_limit}, then calls the SDK with {@code max_retries = 3}. The
 * user sets {@code tpm_limit} to the tier's input plus output limits (38,000 on Tier 1), the
 * "TPM" the seed's table describes; 8 worker threads share the client. As in the seed, the check
 * and the send are not atomic (the lock is released before the call), so workers that check at
 * the same moment all go, and the new request's input tokens are not part of the check.
 * Source: the first seed document's {@code TokenBudgetedClient} ({@code shared/seeds/000_*.txt}).
 */
public final class SeedTokenWindow extends BlockingStrategy {

    private final long tpmLimit;
    private final ArrayDeque<double[]> window = new ArrayDeque<>();
    private final SplittableRandom random;

    public SeedTokenWindow(Env env) {
        super(env, 8);
        this.tpmLimit = env.itpm() + env.otpm();
        this.random = env.random();
    }

    @Override
    public String name() {
        return "seed-token-window";
    }

    @Override
    boolean call(Job job) throws InterruptedException {
        while (true) {
            synchronized (window) {
                if (tokensInLastMinute() + job.maxTokens() < tpmLimit) {
                    break;
                }
            }
            env.sleep(2);
        }
        Wire.Answer a = SdkDefault.createAnswer(env, job, 3, random);
        if (!a.ok()) {
            return false;
        }
        synchronized (window) {
            window.addLast(new double[] {env.now(), a.inputTokens() + a.outputTokens()});
        }
        return true;
    }

    private double tokensInLastMinute() {
        double cutoff = env.now() - 60;
        while (!window.isEmpty() && window.peekFirst()[0] < cutoff) {
            window.pollFirst();
        }
        double used = 0;
        for (double[] e : window) {
            used += e[1];
        }
        return used;
    }
}
