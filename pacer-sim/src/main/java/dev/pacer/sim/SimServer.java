package dev.pacer.sim;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import dev.pacer.sim.internal.ChatCompletionsEndpoint;
import dev.pacer.sim.internal.Router;
import dev.pacer.sim.internal.Simulator;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Consumer;

/**
 * A local Anthropic API with real rate limits and real failures, for tests, benchmarks and users.
 *
 * <pre>{@code
 * try (SimServer sim = SimServer.builder().tier(Tier.TIER_1).timeScale(60).seed(7).start()) {
 *     AnthropicClient client = AnthropicOkHttpClient.builder().baseUrl(sim.baseUrl()).apiKey("any").build();
 *     ...
 *     assertThat(sim.snapshot().maxWindowOveradmission()).isZero();   // no limit was ever exceeded
 * }
 * }</pre>
 *
 * It serves {@code POST /v1/messages} (plain and streamed), {@code POST /v1/messages/count_tokens},
 * the Message Batches endpoints and {@code GET /v1/models}, and its own endpoints under
 * {@code /_sim/} ({@code stats}, {@code reset}, {@code clock}, {@code faults}, {@code config}).
 * Time runs on a {@link SimClock} {@code timeScale} times faster than the wall clock. It runs on
 * the JDK's HTTP server with a virtual thread per exchange, so thousands of open streams are cheap
 * (docs/http-stack.md has the measurements). Thread-safe.
 */
public final class SimServer implements AutoCloseable {

    private final Simulator sim;
    private final HttpServer server;
    private final ExecutorService executor;
    private final String baseUrl;
    private final ChatCompletionsEndpoint chat;

    private SimServer(SimSettings settings, String host, int port) throws IOException {
        this.sim = new Simulator(settings);
        Router router = new Router(sim);
        this.executor = Executors.newVirtualThreadPerTaskExecutor();
        this.server = HttpServer.create(new InetSocketAddress(InetAddress.getByName(host), port), 8192);
        server.setExecutor(executor);
        server.createContext("/", router);
        server.createContext("/v1/chat/completions", chat = new ChatCompletionsEndpoint(sim));
        server.createContext("/_sim/chat/stats", chat.statsHandler());
        server.start();
        String shown = host.equals("0.0.0.0") || host.equals("::") ? "127.0.0.1" : host;
        this.baseUrl = "http://" + (shown.contains(":") ? "[" + shown + "]" : shown) + ":" + server.getAddress().getPort();
        router.baseUrl(baseUrl);
    }

    /** A builder: Tier 1, time scale 1, seed 42, no faults, a free port on loopback. */
    public static Builder builder() {
        return new Builder();
    }

    /** Where to send requests, e.g. {@code http://127.0.0.1:8089} (set as the SDK's base URL or {@code ANTHROPIC_BASE_URL}). */
    public String baseUrl() {
        return baseUrl;
    }

    /** The port it listens on. */
    public int port() {
        return server.getAddress().getPort();
    }

    /** The settings in force. */
    public SimSettings settings() {
        return sim.settings();
    }

    /** The simulated clock: run a client's clock at {@link SimClock#scale()} from {@link SimClock#now()}. */
    public SimClock clock() {
        return sim.clock();
    }

    /** The statistics, typed (the same figures as {@code GET /_sim/stats}). */
    public SimStats snapshot() {
        return sim.stats();
    }

    /** The statistics as {@code GET /_sim/stats} returns them. */
    public JsonNode stats() {
        return sim.stats().toJson();
    }

    /** The statistics of the OpenAI side ({@code POST /v1/chat/completions}, see {@link ChatSimSettings}). */
    public ChatSimStats chatStats() {
        return chat.stats();
    }

    /** The largest over-admission of any bucket so far: 0 proves no limit was exceeded. */
    public double maxWindowOveradmission() {
        return sim.stats().maxWindowOveradmission();
    }

    /** The faults in force. */
    public FaultProfile faults() {
        return sim.faults();
    }

    /** Replaces the injected faults from now on. */
    public void setFaults(FaultProfile faults) {
        sim.faults(faults);
    }

    /**
     * Replaces the settings from now on: limits apply to existing buckets at once (levels capped to
     * the new capacity), faults are replaced. The time scale and clock start cannot change.
     *
     * @throws IllegalArgumentException when they would
     */
    public void update(SimSettings settings) {
        sim.update(settings);
    }

    /** Changes some settings from now on, e.g. {@code sim.reconfigure(s -> s.limits(10, 5_000, 2_000))}. */
    public void reconfigure(Consumer<SimSettingsBuilder> edit) {
        SimSettingsBuilder b = sim.settings().toBuilder();
        edit.accept(b);
        sim.update(b.build());
    }

    /** Forgets statistics, buckets (full again), caches and batches; keeps the settings and the clock. */
    public void reset() {
        sim.reset();
    }

    /**
     * The level of one bucket now: {@code requests}, {@code input_tokens} or {@code output_tokens}
     * of the organization of {@code apiKey} on {@code modelClass}; NaN if it has not used that class.
     */
    public double level(String apiKey, String modelClass, String dimension) {
        return sim.level(apiKey, modelClass, dimension);
    }

    /** Stops at once: open connections are closed, batch processing stops. */
    @Override
    public void close() {
        server.stop(0);
        sim.close();
        executor.shutdownNow();
    }

    /** Builds and starts a {@link SimServer}. */
    public static final class Builder {
        private SimSettingsBuilder settings = SimSettings.builder();
        private String host = "127.0.0.1";
        private int port;

        private Builder() {
        }

        /** Starts from these settings (e.g. read from {@code sim.yaml} by {@link SimConfigFile}). */
        public Builder settings(SimSettings s) {
            this.settings = s.toBuilder();
            return this;
        }

        /** Edits any setting. */
        public Builder configure(Consumer<SimSettingsBuilder> edit) {
            edit.accept(settings);
            return this;
        }

        /** A preset tier (default {@link Tier#TIER_1}). */
        public Builder tier(Tier tier) {
            settings.tier(tier);
            return this;
        }

        /** The same RPM, ITPM and OTPM for every model class. */
        public Builder limits(long rpm, long itpm, long otpm) {
            settings.limits(rpm, itpm, otpm);
            return this;
        }

        /** Simulated seconds per wall-clock second (default 1). */
        public Builder timeScale(double scale) {
            settings.timeScale(scale);
            return this;
        }

        /** The seed (default 42). */
        public Builder seed(long seed) {
            settings.seed(seed);
            return this;
        }

        /** Injected faults (default none). */
        public Builder faults(FaultProfile faults) {
            settings.faults(faults);
            return this;
        }

        /** The interface to listen on (default loopback). */
        public Builder host(String h) {
            this.host = h;
            return this;
        }

        /** The port (default 0: a free one). */
        public Builder port(int p) {
            if (p < 0 || p > 65_535) {
                throw new IllegalArgumentException("port must be between 0 and 65535, not " + p + ".");
            }
            this.port = p;
            return this;
        }

        /**
         * Validates the settings and starts the server.
         *
         * @throws IllegalArgumentException for invalid settings (one sentence naming the setting)
         * @throws IOException when the port cannot be bound
         */
        public SimServer start() throws IOException {
            return new SimServer(settings.build(), host, port);
        }
    }
}
