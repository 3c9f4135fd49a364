package dev.pacer.bench.strategy;

import dev.pacer.bench.Job;
import dev.pacer.bench.Scenario;
import java.util.SplittableRandom;

/**
 * The seed documents' {@code call_with_backoff} (the SDK's own retries off): up to 7 attempts;
 * on a rate limit wait {@code min(delay + U(0, 1), 60)} then double the delay (capped at 60 s);
 * on a 529 the same wait and the delay doubles; anything else is raised. As written, a 529 on
 * the last attempt ends the loop with no result, which the caller sees as a failure; connection
 * errors propagate (the seed's client has {@code max_retries=0} and catches only status errors).
 * Source: the first seed document ({@code shared/seeds/000_*.txt}). 8 workers (see
 * {@link BlockingStrategy}).
 */
public final class SeedBackoff extends BlockingStrategy {

    private static final int MAX_ATTEMPTS = 7;
    private final SplittableRandom random;

    public SeedBackoff(Env env) {
        super(env, 8);
        this.random = env.random();
    }

    @Override
    public String name() {
        return "seed-backoff";
    }

    @Override
    boolean call(Job job) throws InterruptedException {
        double delay = 1.0;
        for (int attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
            Wire.Answer a = Wire.send(env.http(), job.params(Scenario.PRIMARY));
            if (a.ok()) {
                return true;
            }
            double jitter;
            synchronized (random) {
                jitter = random.nextDouble();
            }
            if (a.status() == 429) {
                if (attempt == MAX_ATTEMPTS - 1) {
                    return false;
                }
                env.sleep(Math.min(delay + jitter, 60));
                delay = Math.min(delay * 2, 60);
            } else if (a.status() == 529) {
                env.sleep(Math.min(delay + jitter, 60));
                delay *= 2;
            } else {
                return false;
            }
        }
        return false;
    }
}
