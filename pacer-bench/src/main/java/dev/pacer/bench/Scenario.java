package dev.pacer.bench;

import dev.pacer.sim.FaultProfile;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The four scenarios of the benchmark. Each is a fixed, seeded workload on Tier-1-like limits
 * (50 RPM, 30,000 ITPM, 8,000 OTPM on the primary model, output counted as generated) and a
 * time scale chosen to keep a full run under 90 s of wall time.
 *
 * @param name        its name on the command line and in the report
 * @param description one line for the report
 * @param jobs        the workload
 * @param faults      faults the simulator injects (its clock starts with the run)
 * @param fallback    whether strategies that support a fallback model may use one
 * @param instances   independent client instances sharing one API key
 * @param timeScale   simulated seconds per wall-clock second
 * @param horizon     simulated seconds after which unfinished requests count as failed
 * @param openAiLast  whether the Pacer strategies' chain ends with the simulator's OpenAI endpoint ({@link #OPENAI_FALLBACK})
 */
public record Scenario(String name, String description, List<Job> jobs, FaultProfile faults, boolean fallback, int instances,
                       double timeScale, double horizon, boolean openAiLast) {

    /** The primary model (the "sonnet-4" pool on the simulator). */
    public static final String PRIMARY = "claude-sonnet-4-5";
    /** Its pool. */
    public static final String PRIMARY_CLASS = "sonnet-4";
    /** The fallback model (the "haiku-4-5" pool, with its own limits). */
    public static final String FALLBACK = "claude-haiku-4-5";
    /**
     * The simulator's OpenAI side in every lane: the default models, the messages endpoint's latency, and
     * server errors before the answer (2% 500s, 5% 503s), so the fallback in {@code storm-openai} meets weather too.
     */
    static final dev.pacer.sim.ChatSimSettings OPENAI_SIDE = dev.pacer.sim.ChatSimSettings.DEFAULT.withFaults(0.02, 0.05);

    /** The last fallback of {@code storm-openai}: the simulator's Chat Completions model. */
    public static final String OPENAI_FALLBACK = "gpt-4o-mini";
    /** Tier 1 on the primary model. */
    public static final long RPM = 50;
    /** Tier 1 on the primary model. */
    public static final long ITPM = 30_000;
    /** Tier 1 on the primary model. */
    public static final long OTPM = 8_000;

    /** All four, full size or quick. */
    public static List<Scenario> all(boolean quick, long seed) {
        return List.of(saturate(quick, seed), storm(quick, seed), stormOpenAi(quick, seed), mixed(quick, seed), fleet(quick, seed));
    }

    /** A bulk job far larger than a minute's quota, submitted at once. */
    static Scenario saturate(boolean quick, long seed) {
        int n = quick ? 70 : 240;
        List<Job> jobs = bulk(new SplittableRandom(seed), n, 0, 0, 1);
        return new Scenario("saturate", n + " bulk requests submitted at once; inputs log-normal (median 1,500 tokens), max_tokens "
                + "256/1,024/4,096, output 5-60% of it", jobs, FaultProfile.NONE, false, 1, quick ? 30 : 24, quick ? 540 : 2_000, false);
    }

    /** Interactive arrivals at about 60% of quota, with a 529 storm on the primary model for the middle third. */
    static Scenario storm(boolean quick, long seed) {
        double duration = quick ? 360 : 900;
        SplittableRandom rnd = new SplittableRandom(seed + 1);
        List<Job> jobs = new ArrayList<>();
        double perSecond = 0.6 * ITPM / 60.0 / meanInput();
        double t = 0;
        while ((t += -Math.log(1 - rnd.nextDouble()) / perSecond) < duration) {
            jobs.add(job(rnd, jobs.size(), t, false, 0, 0));
        }
        FaultProfile faults = FaultProfile.NONE.withStorms(List.of(new FaultProfile.Storm(duration / 3, 2 * duration / 3, 0.8, PRIMARY_CLASS)));
        return new Scenario("storm", jobs.size() + " requests arriving at ~60% of quota over " + (int) duration
                + " s; 529s with p = 0.8 on the primary model from " + (int) (duration / 3) + " s to " + (int) (2 * duration / 3) + " s",
                jobs, faults, true, 1, quick ? 30 : 24, duration + (quick ? 180 : 600), false);
    }

    /**
     * The storm's arrivals while every Claude model is overloaded (p = 1.0, primary and fallback) for the
     * middle third; the Pacer strategies' chain ends with an OpenAI-compatible model (the simulator's
     * Chat Completions endpoint), the others have no such fallback.
     */
    static Scenario stormOpenAi(boolean quick, long seed) {
        Scenario storm = storm(quick, seed);
        double duration = quick ? 360 : 900;
        FaultProfile faults = FaultProfile.NONE.withStorms(List.of(new FaultProfile.Storm(duration / 3, 2 * duration / 3, 1.0, null)));
        return new Scenario("storm-openai", storm.jobs().size() + " requests arriving at ~60% of quota over " + (int) duration
                + " s; 529s with p = 1.0 on every Claude model from " + (int) (duration / 3) + " s to " + (int) (2 * duration / 3)
                + " s; Pacer's last fallback is openai:" + OPENAI_FALLBACK, storm.jobs(), faults, true, 1, storm.timeScale(), storm.horizon(), true);
    }

    /** A bulk backlog saturating the quota plus interactive arrivals that carry a deadline. */
    static Scenario mixed(boolean quick, long seed) {
        int n = quick ? 60 : 180;
        SplittableRandom rnd = new SplittableRandom(seed + 2);
        List<Job> jobs = new ArrayList<>(bulk(rnd, n, 0, 0, 1));
        double bulkMinutes = n * meanInput() / ITPM;
        double perSecond = 2.0 / 60;     // two interactive requests a minute, ~5% of the input quota
        double t = 20;
        while ((t += -Math.log(1 - rnd.nextDouble()) / perSecond) < bulkMinutes * 60) {
            int input = (int) Math.min(4_000, Math.exp(Math.log(400) + 0.6 * gaussian(rnd)));
            int max = rnd.nextBoolean() ? 256 : 512;
            jobs.add(new Job(jobs.size(), t, input, max, (int) (max * (0.2 + 0.5 * rnd.nextDouble())), true, 60, 0));
        }
        long interactive = jobs.stream().filter(Job::interactive).count();
        return new Scenario("mixed", n + " bulk requests at once plus " + interactive + " interactive ones (2/min, deadline 60 s)",
                jobs, FaultProfile.NONE, false, 1, quick ? 30 : 24, quick ? 540 : 2_000, false);
    }

    /** The saturate workload sent by four independent instances on one key, without a shared store. */
    static Scenario fleet(boolean quick, long seed) {
        int n = quick ? 70 : 240;
        List<Job> jobs = bulk(new SplittableRandom(seed + 3), n, 0, 0, 4);
        return new Scenario("fleet", n + " bulk requests split over 4 independent client instances on one API key (no shared store)",
                jobs, FaultProfile.NONE, false, 4, quick ? 30 : 24, quick ? 540 : 2_000, false);
    }

    /**
     * A throwaway run that loads and compiles the code paths (JSON, the HTTP client and server,
     * the engine) before anything is measured. Without it the first lanes of a fresh JVM spend
     * about a wall-clock second in class loading and JIT before their first request, which at a
     * 24-30x time scale is 20-30 simulated seconds added to every makespan, unevenly.
     */
    static Scenario warmup(long seed) {
        SplittableRandom rnd = new SplittableRandom(seed + 99);
        List<Job> jobs = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            jobs.add(new Job(i, 0, 100 + rnd.nextInt(200), 256, 10 + rnd.nextInt(30), i % 2 == 0, i % 2 == 0 ? 60 : 0, 0));
        }
        return new Scenario("warmup", "six small requests, not reported", jobs, FaultProfile.NONE, false, 1, 60, 60, false);
    }

    private static List<Job> bulk(SplittableRandom rnd, int n, double at, int firstId, int instances) {
        List<Job> jobs = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            jobs.add(job(rnd, firstId + i, at, false, 0, i % instances));
        }
        return jobs;
    }

    private static Job job(SplittableRandom rnd, int id, double at, boolean interactive, double deadline, int instance) {
        int input = (int) Math.max(50, Math.min(20_000, Math.exp(Math.log(1_500) + 0.75 * gaussian(rnd))));
        int max = switch (rnd.nextInt(3)) {
            case 0 -> 256;
            case 1 -> 1_024;
            default -> 4_096;
        };
        int output = Math.max(1, (int) (max * (0.05 + 0.55 * rnd.nextDouble())));
        return new Job(id, at, input, max, output, interactive, deadline, instance);
    }

    /** The mean of the input distribution: exp(mu + sigma^2 / 2), before the cap. */
    private static double meanInput() {
        return 1_500 * Math.exp(0.75 * 0.75 / 2);
    }

    private static double gaussian(SplittableRandom rnd) {
        double u = 1 - rnd.nextDouble();
        double v = rnd.nextDouble();
        return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
    }
}
