package dev.pacer.cli;

import dev.pacer.cli.PacerCommand.UsageException;
import dev.pacer.sim.ModelClass;
import dev.pacer.sim.SimConfigFile;
import dev.pacer.sim.OtpmMode;
import dev.pacer.sim.SimServer;
import dev.pacer.sim.SimSettings;
import dev.pacer.sim.SimSettingsBuilder;
import dev.pacer.sim.Tier;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code pacer sim}: runs the simulator until Ctrl-C. */
@Command(name = "sim", mixinStandardHelpOptions = true,
        description = "Runs a local Anthropic API with real rate limits and real failures (point ANTHROPIC_BASE_URL at it).")
final class SimCommand implements java.util.concurrent.Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--port", defaultValue = "8089", description = "Port to listen on, 0 to 65535 (0: any free port). Default: ${DEFAULT-VALUE}.")
    int port;

    @Option(names = "--host", defaultValue = "127.0.0.1", description = {"Interface to listen on: an address of this machine"
            + " (127.0.0.1: this machine only; 0.0.0.0: every interface). Default: ${DEFAULT-VALUE}."})
    String host;

    @Option(names = "--config", description = "A sim.yaml file (see docs/simulator.md).")
    Path config;

    @Option(names = "--tier", description = {"Limits preset: tier-1, tier-2, tier-3, tier-4, start, build, scale. Default: tier-1.",
            "With --config, the flag wins: it replaces the limits the file sets for the preset's classes (a line says so when"
                    + " the file set any); classes the file adds keep theirs."})
    String tier;

    @Option(names = "--limits", description = "Limits for every model class, e.g. rpm=50,itpm=30000,otpm=8000 (flags win over --tier and --config).")
    String limits;

    @Option(names = "--time-scale", description = "Simulated seconds per real second (e.g. 60: a minute of traffic per second).")
    Double timeScale;

    @Option(names = "--seed", description = "Makes generated text, lengths and faults repeatable.")
    Long seed;

    @Option(names = "--otpm-mode", description = "How output tokens count: actual (default) or reserve-max-tokens.")
    String otpmMode;

    @Override
    public Integer call() throws Exception {
        // Every flag is checked before anything starts, each mistake one sentence naming its flag.
        if (port < 0 || port > 65_535) {
            throw new UsageException("--port must be between 0 and 65535, not " + port + ".");
        }
        address(host);
        Setup setup = setup(config, tier, limits, timeScale, seed, otpmMode);
        SimSettings settings = setup.settings();
        PrintWriter out = spec.commandLine().getOut();
        SimServer sim;
        try {
            sim = SimServer.builder().settings(settings).host(host).port(port).start();
        } catch (java.net.BindException e) {
            throw new UsageException("Port " + port + " on " + host + " is already in use (" + e.getMessage()
                    + "); choose another with --port (or 0 for any free port).");
        }
        if (setup.note() != null) {
            out.println(setup.note());
        }
        out.println("pacer sim: listening on " + sim.baseUrl() + " (time scale " + settings.time().scale() + "x, seed " + settings.seed() + ")");
        out.println("  export ANTHROPIC_BASE_URL=" + sim.baseUrl() + "   # any API key is accepted");
        out.println(describe(settings, setup.limitsFrom()));
        out.println("  stats: " + sim.baseUrl() + "/_sim/stats   Ctrl-C stops.");
        out.flush();
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            sim.close();
            stopped.countDown();
        }, "pacer-sim-shutdown"));
        stopped.await();
        return 0;
    }

    /**
     * The address {@code --host} names, which must be one of this machine's (or the wildcard):
     * the server can only listen where the machine has an interface.
     */
    static InetAddress address(String host) {
        InetAddress address;
        try {
            address = InetAddress.getByName(host);
        } catch (UnknownHostException e) {
            throw new UsageException("--host " + host + " is not an address or a name this machine can resolve; use 127.0.0.1"
                    + " (this machine only), 0.0.0.0 (every interface) or one of this machine's addresses.");
        }
        boolean local;
        try {
            local = address.isAnyLocalAddress() || address.isLoopbackAddress() || NetworkInterface.getByInetAddress(address) != null;
        } catch (SocketException e) {
            local = true; // cannot tell: let the bind decide
        }
        if (!local) {
            throw new UsageException("--host " + host + " is not an address of this machine, so nothing can listen there; use 127.0.0.1"
                    + " (this machine only), 0.0.0.0 (every interface) or one of this machine's addresses.");
        }
        return address;
    }

    /**
     * The settings, where the limits came from (a tier's id, or what made them custom), and a note
     * to print (or null).
     */
    record Setup(SimSettings settings, String limitsFrom, String note) {
    }

    /** Settings from a file and flags (flags win); mistakes become one-sentence usage errors. */
    static Setup setup(Path config, String tier, String limits, Double timeScale, Long seed, String otpmMode) {
        SimSettingsBuilder b = SimSettings.builder();
        SimSettings fromFile = null;
        try {
            if (config != null) {
                b = SimConfigFile.read(config, b);
                fromFile = b.build();
            }
        } catch (SimConfigFile.Invalid e) {
            throw new UsageException(e.getMessage());
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
        String note = null;
        if (tier != null) {
            Tier t;
            try {
                t = Tier.of(tier);
            } catch (IllegalArgumentException e) {
                throw new UsageException("--tier: " + e.getMessage());
            }
            if (fromFile != null && !presetLimits(fromFile)) {
                note = "Note: --tier " + t.id() + " replaces the limits " + config.getFileName() + " sets for the " + t.id()
                        + " classes (classes the file adds keep theirs); leave out --tier to use the file's limits.";
            }
            b.tier(t);
        }
        if (limits != null) {
            GivenLimits l = GivenLimits.parse(limits);
            b.limits(l.rpm(), l.itpm(), l.otpm());
        }
        if (timeScale != null) {
            try {
                b.timeScale(timeScale); // checked at once: the sentence names time-scale and its range
            } catch (IllegalArgumentException e) {
                throw new UsageException(e.getMessage());
            }
        }
        if (seed != null) {
            b.seed(seed);
        }
        if (otpmMode != null) {
            try {
                b.otpmMode(OtpmMode.of(otpmMode));
            } catch (IllegalArgumentException e) {
                throw new UsageException("--" + e.getMessage());
            }
        }
        SimSettings settings = b.build();
        String from = presetLimits(settings) ? settings.limits().tier().id()
                : limits != null ? "custom, from --limits" : "custom, from " + config.getFileName();
        return new Setup(settings, from, note);
    }

    /** True when every class of the settings' tier has exactly that tier's limits (classes a file adds do not count). */
    private static boolean presetLimits(SimSettings s) {
        for (ModelClass preset : s.limits().tier().classes().values()) {
            ModelClass c = s.limits().classes().get(preset.name());
            if (c == null || c.rpm() != preset.rpm() || c.itpm() != preset.itpm() || c.otpm() != preset.otpm()) {
                return false;
            }
        }
        return true;
    }

    /** The limits block of the banner; {@code from} says where they came from (a tier's id, or custom). */
    static String describe(SimSettings s, String from) {
        StringBuilder sb = new StringBuilder("  limits (" + from + (s.enforcement().otpmMode() == OtpmMode.ACTUAL
                ? ", output counted as generated" : ", output reserved from max_tokens") + "), per API key:");
        int width = s.limits().classes().keySet().stream().mapToInt(String::length).max().orElse(10);
        for (ModelClass c : new java.util.TreeMap<>(s.limits().classes()).values()) {
            sb.append(String.format("%n    %-" + width + "s %,8d RPM %,12d ITPM %,11d OTPM", c.name(), c.rpm(), c.itpm(), c.otpm()));
        }
        return sb.toString();
    }
}
