package dev.pacer.cli;

import dev.pacer.anthropic.ApiKey;
import dev.pacer.cli.PacerCommand.UsageException;
import dev.pacer.gateway.Gateway;
import dev.pacer.gateway.GatewayConfigFile;
import dev.pacer.gateway.GatewaySettings;
import dev.pacer.gateway.VirtualKey;
import dev.pacer.redis.RedisQuotaStore;
import dev.pacer.redis.RedisStoreOptions;
import dev.pacer.sim.SimServer;
import dev.pacer.sim.Tier;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code pacer gateway}: runs the gateway until Ctrl-C or SIGTERM (graceful: calls and streams in
 * flight get the grace period), reloading its config on SIGHUP (a config that fails validation is
 * refused and the old one kept, with the reason).
 */
@Command(name = "gateway", mixinStandardHelpOptions = true,
        description = "Runs an Anthropic-compatible gateway that paces every call (point ANTHROPIC_BASE_URL at it).")
final class GatewayCommand implements java.util.concurrent.Callable<Integer> {

    /** The key a client without one is given in front of the simulator, which takes any. */
    private static final String SIM_KEY = "sk-ant-pacer-gateway-sim";

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--port", description = "Port to listen on, 0 to 65535 (0: any free port). Default: 8080, or the config's.")
    Integer port;

    @Option(names = "--host", description = "Interface to listen on (127.0.0.1: this machine only; 0.0.0.0: every interface)."
            + " Default: 127.0.0.1, or the config's.")
    String host;

    @Option(names = "--upstream", description = "The API to relay to. Default: https://api.anthropic.com, or the config's.")
    String upstream;

    @Option(names = "--config", description = "A pacer.yaml file (see docs/gateway.md); SIGHUP reloads it.")
    Path config;

    @Option(names = "--sim", description = "Start the built-in simulator (Tier 1 limits, real time) and relay to it; clients need no key.")
    boolean sim;

    @CommandLine.Mixin
    RedisFlags redis = new RedisFlags();

    @Option(names = "--hash-key", description = "Read a gateway key from standard input and print the hash to put in the config's keys.")
    boolean hashKey;

    @Override
    public Integer call() throws Exception {
        // Jetty logs through SLF4J; without a provider, SLF4J's own notice about it is all it would print.
        System.setProperty("slf4j.internal.verbosity", "ERROR");
        PrintWriter out = spec.commandLine().getOut();
        if (hashKey) {
            String key = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
            if (key == null || key.isBlank()) {
                throw new UsageException("--hash-key reads a key from standard input, and none came; pipe one in.");
            }
            out.println("sha256:" + VirtualKey.hash(key.trim()));
            return 0;
        }
        if (port != null && (port < 0 || port > 65_535)) {
            throw new UsageException("--port must be between 0 and 65535, not " + port + ".");
        }
        if (host != null) {
            SimCommand.address(host);
        }
        if (sim && upstream != null) {
            throw new UsageException("--sim and --upstream both say where to relay; give one.");
        }
        GatewaySettings settings = settings();
        SimServer simulator = null;
        if (sim) {
            simulator = SimServer.builder().tier(Tier.TIER_1).port(0).start();
            settings = settings.toBuilder().upstream(new GatewaySettings.Upstream(simulator.baseUrl(), settings.upstream().apiKey(),
                    ApiKey.of(SIM_KEY))).build();
        }
        RedisQuotaStore shared = null;
        if (redis.uri != null) {
            try {
                shared = RedisQuotaStore.connect(redis.uri, RedisStoreOptions.builder()
                        .unavailableMode(BatchFlags.redisUnavailable(redis.unavailable)).build());
            } catch (IllegalStateException | IllegalArgumentException e) {
                if (simulator != null) {
                    simulator.close();
                }
                throw new UsageException("--redis: " + e.getMessage());
            }
        }
        Gateway gateway;
        try {
            Gateway.Builder gb = Gateway.builder().settings(settings).log(line -> { });
            if (shared != null) {
                gb.store(shared);
            }
            gateway = gb.start();
        } catch (IOException e) {
            if (simulator != null) {
                simulator.close();
            }
            if (shared != null) {
                shared.close();
            }
            throw new UsageException("The gateway cannot listen on " + settings.listen().host() + ":" + settings.listen().port() + " ("
                    + e.getMessage() + "); choose another with --port (or 0 for any free port).");
        }
        if (simulator != null) {
            out.println("simulator: Tier 1 limits (Sonnet 4.x 50 RPM, 30,000 ITPM, 8,000 OTPM per minute), real time, at "
                    + simulator.baseUrl() + "; any key or none is accepted.");
        }
        out.println("pacer gateway: listening on " + gateway.url() + " -> " + settings.upstream().baseUrl() + " ("
                + (settings.virtualKeys() ? settings.keys().size() + " gateway keys" : "pass-through: the client's key goes on") + ")");
        if (shared != null) {
            out.println("  sharing the quota through Redis at " + RedisQuotaStore.redacted(redis.uri) + ".");
        }
        out.println("  export ANTHROPIC_BASE_URL=" + gateway.url());
        out.println("  health: " + gateway.url() + "/healthz   Ctrl-C stops" + (config != null ? ", SIGHUP reloads " + config : "") + ".");
        out.flush();
        if (config != null) {
            onHangUp(() -> reload(gateway, out));
        }
        CountDownLatch stopped = new CountDownLatch(1);
        SimServer s = simulator;
        RedisQuotaStore store = shared;
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            gateway.close();
            if (store != null) {
                store.close();
            }
            if (s != null) {
                s.close();
            }
            stopped.countDown();
        }, "pacer-gateway-shutdown"));
        stopped.await();
        return 0;
    }

    /** Defaults, then the config file, then the flags. */
    private GatewaySettings settings() {
        GatewaySettings.Builder b = GatewaySettings.builder();
        if (config != null) {
            try {
                b = GatewayConfigFile.read(config, b).toBuilder();
            } catch (GatewayConfigFile.Invalid e) {
                throw new UsageException(e.getMessage());
            }
        }
        try {
            if (port != null || host != null) {
                b.listen(host != null ? host : b.listen().host(), port != null ? port : b.listen().port());
            }
            if (upstream != null) {
                b.upstreamUrl(upstream);
            }
            return b.build();
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
    }

    private void reload(Gateway gateway, PrintWriter out) {
        try {
            GatewaySettings.Builder b = gateway.settings().toBuilder();
            GatewaySettings fresh = GatewayConfigFile.read(config, GatewaySettings.builder());
            // The flags still win, and the simulator stays the upstream of a --sim gateway.
            GatewaySettings.Builder merged = fresh.toBuilder().listen(b.listen().host(), b.listen().port());
            if (upstream != null || sim) {
                merged.upstream(new GatewaySettings.Upstream(b.upstream().baseUrl(), fresh.upstream().apiKey(), b.upstream().fallbackKey()));
            }
            gateway.reload(merged.build());
            out.println("pacer gateway: reloaded " + config + ".");
        } catch (GatewayConfigFile.Invalid | IllegalArgumentException e) {
            out.println("pacer gateway: reload refused, the old config stays: " + e.getMessage());
        }
        out.flush();
    }

    @SuppressWarnings("restriction")
    private static void onHangUp(Runnable action) {
        try {
            sun.misc.Signal.handle(new sun.misc.Signal("HUP"), signal -> Thread.ofVirtual().start(action));
        } catch (IllegalArgumentException | UnsupportedOperationException e) {
            // no SIGHUP on this platform: the config is read at start only
        }
    }
}
