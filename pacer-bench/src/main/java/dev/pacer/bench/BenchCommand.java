package dev.pacer.bench;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code java -jar pacer-bench/target/pacer-bench.jar scenarios [--quick] [--only NAME] --out DIR}:
 * runs the scenarios, every strategy of a scenario side by side (each on its own simulator), and
 * writes {@code scenarios.json}, {@code scenarios.md} and a chart per scenario.
 */
@Command(name = "pacer-bench", mixinStandardHelpOptions = true, version = "pacer-bench 0.1.0",
        description = "Benchmarks Pacer against the common strategies on the simulator.",
        subcommands = {BenchCommand.Scenarios.class, dev.pacer.bench.gateway.GatewayBench.class,
                dev.pacer.bench.redis.RedisAdmissionCommand.class})
public final class BenchCommand implements Callable<Integer> {

    public static void main(String[] args) {
        System.setProperty("java.awt.headless", "true");
        CommandLine cl = new CommandLine(new BenchCommand());
        cl.setExecutionExceptionHandler((e, line, parsed) -> {
            line.getErr().println("pacer-bench: " + (e.getMessage() == null ? e.toString() : e.getMessage()));
            return 2;
        });
        System.exit(cl.execute(args));
    }

    @Override
    public Integer call() {
        new CommandLine(this).usage(System.out);
        return 2;
    }

    @Command(name = "scenarios", mixinStandardHelpOptions = true,
            description = "Runs saturate, storm, storm-openai, mixed and fleet with every strategy; writes DIR/scenarios.json, DIR/scenarios.md and "
                    + "DIR/<scenario>.png.")
    static final class Scenarios implements Callable<Integer> {

        @Option(names = "--quick", description = "Smaller workloads: each scenario under 20 s.")
        boolean quick;

        @Option(names = "--only", split = ",", paramLabel = "NAME", description = "Only these scenarios: saturate, storm, storm-openai, mixed, fleet.")
        List<String> only;

        @Option(names = "--strategies", split = ",", paramLabel = "NAME", description = "Only these strategies (default: all six,"
                + " and pacer-redis in fleet: its instances share one Redis store; -Dpacer.bench.redis=URI, else a redis-server is started).")
        List<String> strategies;

        @Option(names = "--out", required = true, paramLabel = "DIR", description = "Where to write the results.")
        Path out;

        @Option(names = "--seed", defaultValue = "7", description = "Workload and simulator seed. Default: ${DEFAULT-VALUE}.")
        long seed;

        @Override
        public Integer call() throws Exception {
            PrintStream console = System.out;
            List<Scenario> chosen = new ArrayList<>();
            for (Scenario s : Scenario.all(quick, seed)) {
                if (only == null || only.contains(s.name())) {
                    chosen.add(s);
                }
            }
            if (only != null) {
                for (String name : only) {
                    if (chosen.stream().noneMatch(s -> s.name().equals(name))) {
                        console.println("There is no scenario '" + name + "'; choose from saturate, storm, mixed, fleet.");
                        return 2;
                    }
                }
            }
            List<String> names = strategies == null ? Lane.STRATEGIES : strategies;
            for (String n : names) {
                if (!Lane.STRATEGIES.contains(n) && !Lane.EXTRA.contains(n)) {
                    console.println("There is no strategy '" + n + "'; choose from " + String.join(", ", Lane.STRATEGIES) + ", "
                            + String.join(", ", Lane.EXTRA) + ".");
                    return 2;
                }
            }
            Files.createDirectories(out);
            String machine = machine();
            warmUp(names, console);
            List<Report.Section> sections = new ArrayList<>();
            for (Scenario scenario : chosen) {
                console.printf(Locale.ROOT, "%s: %s (time x%.0f)%n", scenario.name(), scenario.description(), scenario.timeScale());
                long started = System.nanoTime();
                Map<String, Future<Lane.Result>> running = new LinkedHashMap<>();
                List<String> lanesHere = new ArrayList<>(names);
                if (strategies == null && scenario.instances() > 1) {
                    lanesHere.addAll(Lane.EXTRA); // a fleet: also with the instances sharing one Redis store
                }
                try (ExecutorService lanes = Executors.newVirtualThreadPerTaskExecutor()) {
                    for (String strategy : lanesHere) {
                        running.put(strategy, lanes.submit(() -> Lane.run(scenario, strategy, seed)));
                    }
                    List<Figures> figures = new ArrayList<>();
                    Map<String, List<Lane.Sample>> samples = new LinkedHashMap<>();
                    for (Map.Entry<String, Future<Lane.Result>> e : running.entrySet()) {
                        Lane.Result r = e.getValue().get();
                        figures.add(r.figures());
                        samples.put(e.getKey(), r.samples());
                    }
                    Report.Section section = new Report.Section(scenario, figures);
                    sections.add(section);
                    Charts.write(out.resolve(scenario.name() + ".png"), scenario, samples);
                    console.print(Report.table(section).replaceAll("\n!\\[.*\\n", "\n"));
                    console.printf(Locale.ROOT, "(%s took %.0f s)%n%n", scenario.name(), (System.nanoTime() - started) / 1e9);
                }
                Report.writeJson(out.resolve("scenarios.json"), sections, quick, seed, machine);
                Report.writeMarkdown(out.resolve("scenarios.md"), sections, quick, seed, machine);
            }
            console.println("Wrote " + out.resolve("scenarios.json") + ", " + out.resolve("scenarios.md") + " and a chart per scenario.");
            return 0;
        }

        /** Every chosen strategy through {@link Scenario#warmup}, side by side as the lanes will run; results discarded. */
        private void warmUp(List<String> names, PrintStream console) throws Exception {
            long started = System.nanoTime();
            Scenario warmup = Scenario.warmup(seed);
            try (ExecutorService lanes = Executors.newVirtualThreadPerTaskExecutor()) {
                List<Future<Lane.Result>> running = new ArrayList<>();
                for (String strategy : names) {
                    running.add(lanes.submit(() -> Lane.run(warmup, strategy, seed)));
                }
                for (Future<Lane.Result> f : running) {
                    f.get();
                }
            }
            console.printf(Locale.ROOT, "(warm-up took %.1f s)%n", (System.nanoTime() - started) / 1e9);
        }

        private static String machine() {
            return Runtime.getRuntime().availableProcessors() + " cores, Java " + System.getProperty("java.version") + ", "
                    + System.getProperty("os.name") + " " + System.getProperty("os.arch");
        }
    }
}
