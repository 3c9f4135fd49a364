package dev.pacer.bench;

import dev.pacer.anthropic.AnthropicHttp;
import dev.pacer.bench.strategy.Cookbook;
import dev.pacer.bench.strategy.Env;
import dev.pacer.bench.strategy.PacerStrategy;
import dev.pacer.bench.strategy.SdkDefault;
import dev.pacer.bench.strategy.SeedBackoff;
import dev.pacer.bench.strategy.SeedTokenWindow;
import dev.pacer.bench.strategy.Strategy;
import dev.pacer.sim.SimServer;
import dev.pacer.sim.SimStats;
import dev.pacer.sim.Tier;
import dev.pacer.time.ScaledClock;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * One strategy through one scenario, on a simulator of its own: submits every job at its
 * arrival time, samples the simulator's admitted totals every two simulated seconds for the
 * charts, waits until every job is answered or the horizon passes, and computes the figures.
 */
final class Lane {

    /** The strategies, in report order. */
    static final List<String> STRATEGIES = List.of("sdk-default", "seed-backoff", "seed-token-window", "cookbook",
            "pacer-zero-config", "pacer");

    /** Strategies run only where asked for, or (pacer-redis) in the scenarios with several instances. */
    static final List<String> EXTRA = List.of("pacer-redis");

    /** Admitted totals of the primary pool at one instant: t, requests, input tokens, output tokens. */
    record Sample(double t, double requests, double input, double output) {
    }

    /** The figures and the samples. */
    record Result(Figures figures, List<Sample> samples) {
    }

    private Lane() {
    }

    static Strategy strategy(String name, Env env) {
        return switch (name) {
            case "sdk-default" -> new SdkDefault(env);
            case "seed-backoff" -> new SeedBackoff(env);
            case "seed-token-window" -> new SeedTokenWindow(env);
            case "cookbook" -> new Cookbook(env);
            case "pacer-zero-config" -> new PacerStrategy(env, false);
            case "pacer" -> new PacerStrategy(env, true);
            case "pacer-redis" -> new PacerStrategy(env, true, true);
            default -> throw new IllegalArgumentException("There is no strategy '" + name + "'; choose from " + STRATEGIES + ".");
        };
    }

    static Result run(Scenario scenario, String strategyName, long seed) throws IOException, InterruptedException {
        long wallStart = System.nanoTime();
        String apiKey = "sk-ant-bench-" + strategyName;
        try (SimServer sim = SimServer.builder().tier(Tier.TIER_1).timeScale(scenario.timeScale()).seed(seed)
                .faults(scenario.faults()).configure(s -> s.chat(Scenario.OPENAI_SIDE)).start()) {
            ScaledClock clock = new ScaledClock(sim.clock().now(), scenario.timeScale());
            List<Strategy> instances = new ArrayList<>();
            List<AnthropicHttp> clients = new ArrayList<>();
            for (int i = 0; i < scenario.instances(); i++) {
                AnthropicHttp http = AnthropicHttp.builder().baseUrl(sim.baseUrl()).apiKey(apiKey).build();
                clients.add(http);
                instances.add(strategy(strategyName, new Env(http, clock, apiKey, Scenario.RPM, Scenario.ITPM, Scenario.OTPM,
                        scenario.fallback(), seed * 31 + i, scenario.openAiLast() ? sim.baseUrl() + "/v1" : null,
                        scenario.name() + "-" + strategyName + "-" + wallStart)));
            }
            List<Job> jobs = scenario.jobs();
            double[] ends = new double[jobs.size()];
            boolean[] ok = new boolean[jobs.size()];
            boolean[] byFallback = new boolean[jobs.size()];
            Arrays.fill(ends, Double.NaN);
            CountDownLatch finished = new CountDownLatch(jobs.size());
            List<Sample> samples = java.util.Collections.synchronizedList(new ArrayList<>());
            ScheduledExecutorService sampler = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "bench-sampler");
                t.setDaemon(true);
                return t;
            });
            long periodMicros = (long) (2_000_000 / scenario.timeScale());
            sampler.scheduleAtFixedRate(() -> samples.add(sample(sim, apiKey, clock)), 0, periodMicros, TimeUnit.MICROSECONDS);
            for (Job job : jobs) {
                Runnable send = () -> instances.get(job.instance()).submit(job).whenComplete((model, failure) -> {
                    synchronized (ends) {
                        ends[job.id()] = clock.nanoTime() / 1e9;
                        ok[job.id()] = model != null;
                        byFallback[job.id()] = model != null && !model.equals(Scenario.PRIMARY);
                    }
                    finished.countDown();
                });
                if (job.arrivalSeconds() <= 0) {
                    send.run();      // in order: a bulk job's submission order is its queue order
                } else {
                    clock.schedule(send, Duration.ofNanos((long) (job.arrivalSeconds() * 1e9)));
                }
            }
            double horizonLeft = scenario.horizon() - clock.nanoTime() / 1e9;
            finished.await((long) (horizonLeft * 1e9 / scenario.timeScale()), TimeUnit.NANOSECONDS);
            sampler.shutdownNow();
            samples.add(sample(sim, apiKey, clock));
            SimStats stats = sim.snapshot();
            instances.forEach(Strategy::close);
            clients.forEach(AnthropicHttp::close);
            synchronized (ends) {
                Figures f = figures(scenario, instances.get(0), jobs, ends, ok, byFallback, stats, apiKey,
                        (System.nanoTime() - wallStart) / 1e9);
                return new Result(f, List.copyOf(samples));
            }
        }
    }

    private static Sample sample(SimServer sim, String apiKey, ScaledClock clock) {
        SimStats.PoolStats p = sim.snapshot().pool(apiKey, Scenario.PRIMARY_CLASS);
        double t = clock.nanoTime() / 1e9;
        if (p == null) {
            return new Sample(t, 0, 0, 0);
        }
        return new Sample(t, p.requests().admitted(), p.inputTokens().admitted(), p.outputTokens().admitted());
    }

    private static Figures figures(Scenario scenario, Strategy strategy, List<Job> jobs, double[] ends, boolean[] ok,
                                   boolean[] byFallback, SimStats stats, String apiKey, double wall) {
        int succeeded = 0;
        int unfinished = 0;
        int interactive = 0;
        int misses = 0;
        int fallbacks = 0;
        double makespan = 0;
        List<Double> latencies = new ArrayList<>();
        List<Double> interactiveLatencies = new ArrayList<>();
        for (Job job : jobs) {
            int i = job.id();
            boolean ended = !Double.isNaN(ends[i]);
            if (!ended) {
                unfinished++;
            }
            if (ok[i]) {
                succeeded++;
                latencies.add(ends[i] - job.arrivalSeconds());
                if (job.interactive()) {
                    interactiveLatencies.add(ends[i] - job.arrivalSeconds());
                }
            }
            if (byFallback[i]) {
                fallbacks++;
            }
            if (job.interactive()) {
                interactive++;
                if (job.missed(ends[i], ok[i])) {
                    misses++;
                }
            } else {
                makespan = Math.max(makespan, ended ? ends[i] : scenario.horizon());
            }
        }
        double lowerBound = lowerBound(stats, apiKey);
        double jobLowerBound = workloadLowerBound(jobs, stats, apiKey);
        boolean jobDone = succeeded == jobs.size();
        latencies.sort(Double::compare);
        interactiveLatencies.sort(Double::compare);
        return new Figures(strategy.name(), strategy.concurrency(), lowerBound > 0 && makespan > 0 ? lowerBound / makespan : Double.NaN,
                jobDone && jobLowerBound > 0 && makespan > 0 ? jobLowerBound / makespan : Double.NaN,
                jobs.size(), succeeded, jobs.size() - succeeded, unfinished, stats.responses(429), stats.responses(529), stats.requests(),
                quantile(latencies, 0.5), quantile(latencies, 0.99), quantile(interactiveLatencies, 0.5),
                quantile(interactiveLatencies, 0.99), interactive, misses, stats.maxWindowOveradmission(), makespan, lowerBound,
                jobLowerBound, fallbacks, wall);
    }

    /**
     * The shortest makespan of the whole workload on the primary model's limits, from the job's
     * own totals (every request, its input tokens, the output the simulator generates for it):
     * the "most binding of requests / RPM, input / ITPM, output / OTPM given the actual
     * totals", less the first bucketful as in {@link #lowerBound}. Unlike that one it does not
     * shrink when a strategy gives requests up, nor grow with work admitted twice. Input counts
     * are the requested ones; the simulator's tokenizer agrees within a few tokens a request.
     */
    static double workloadLowerBound(List<Job> jobs, SimStats stats, String apiKey) {
        double requests = jobs.size();
        double input = 0;
        double output = 0;
        for (Job job : jobs) {
            input += job.inputTokens();
            output += job.outputTokens();
        }
        SimStats.PoolStats pool = stats.pool(apiKey, Scenario.PRIMARY_CLASS);
        double[] capacity = pool == null
                ? new double[] {Scenario.RPM, Scenario.ITPM, Scenario.OTPM}
                : new double[] {pool.requests().capacity(), pool.inputTokens().capacity(), pool.outputTokens().capacity()};
        return Math.max(0, Math.max((requests - capacity[0]) / (Scenario.RPM / 60.0),
                Math.max((input - capacity[1]) / (Scenario.ITPM / 60.0), (output - capacity[2]) / (Scenario.OTPM / 60.0))));
    }

    /**
     * The shortest makespan in which the admitted work could have been done: each bucket starts
     * full, so it needs {@code (admitted - capacity) / rate}; the most binding bucket decides.
     */
    static double lowerBound(SimStats stats, String apiKey) {
        String id = SimStats.keyId(apiKey);
        double bound = 0;
        for (SimStats.PoolStats p : stats.pools()) {
            if (!p.keyId().equals(id) || p.inputTokens() == null) {
                continue;
            }
            for (SimStats.Dimension d : List.of(p.requests(), p.inputTokens(), p.outputTokens())) {
                if (d.limitPerMinute() > 0) {
                    bound = Math.max(bound, (d.admitted() - d.capacity()) / (d.limitPerMinute() / 60.0));
                }
            }
        }
        return bound;
    }

    static double quantile(List<Double> sorted, double q) {
        if (sorted.isEmpty()) {
            return Double.NaN;
        }
        int i = (int) Math.ceil(q * sorted.size()) - 1;
        return sorted.get(Math.max(0, Math.min(sorted.size() - 1, i)));
    }
}
