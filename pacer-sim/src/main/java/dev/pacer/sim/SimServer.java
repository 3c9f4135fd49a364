package dev.pacer.sim;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * A local Anthropic API with real rate limits and real failures.
 *
 * <pre>{@code
 * try (SimServer sim = SimServer.builder().tier(Tier.TIER_1).timeScale(60).seed(7).start()) {
 *     String base = sim.baseUrl();           // point an SDK (or ANTHROPIC_BASE_URL) here
 *     ...
 *     assertThat(sim.stats().get("max_window_overadmission").asDouble()).isZero();
 * }
 * }</pre>
 *
 * Serves {@code POST /v1/messages} (with streaming), {@code /v1/messages/count_tokens}, the
 * Message Batches endpoints and {@code GET /v1/models}; administration under {@code /_sim/}:
 * {@code GET stats}, {@code POST reset}, {@code GET/PUT faults}, {@code GET clock}. It runs on the
 * JDK's HTTP server with one virtual thread per exchange, so thousands of open streams are cheap
 * (see docs/architecture.md for the measurement behind that choice).
 */
public final class SimServer implements AutoCloseable {

    private final SimState state;
    private final MessagesApi messages;
    private final BatchesApi batches;
    private final HttpServer server;
    private final ExecutorService executor;
    private final String baseUrl;

    private SimServer(SimSettings settings, String host, int port) throws IOException {
        this.state = new SimState(settings);
        this.messages = new MessagesApi(state);
        this.batches = new BatchesApi(state, messages);
        this.executor = Executors.newVirtualThreadPerTaskExecutor();
        this.server = HttpServer.create(new InetSocketAddress(InetAddress.getByName(host), port), 4096);
        server.setExecutor(executor);
        server.createContext("/", this::handle);
        server.start();
        this.baseUrl = "http://" + (host.equals("0.0.0.0") ? "127.0.0.1" : host) + ":" + server.getAddress().getPort();
        batches.baseUrl(baseUrl);
    }

    /** A builder: Tier 1, time scale 1, seed 42, no faults, a free port on loopback. */
    public static Builder builder() {
        return new Builder();
    }

    /** Where to send requests, e.g. {@code http://127.0.0.1:8089}. */
    public String baseUrl() {
        return baseUrl;
    }

    /** The port. */
    public int port() {
        return server.getAddress().getPort();
    }

    /** The settings in force. */
    public SimSettings settings() {
        return state.settings();
    }

    /** The simulator's clock (simulated time and its scale). */
    public SimClock clock() {
        return state.clock();
    }

    /** The statistics, as {@code GET /_sim/stats} returns them. */
    public JsonNode stats() {
        return state.statsJson();
    }

    /** The largest over-admission seen on any bucket (0 proves no limit was exceeded). */
    public double maxWindowOveradmission() {
        return stats().path("max_window_overadmission").asDouble();
    }

    /** Clears statistics and refills every bucket. */
    public void reset() {
        state.reset();
    }

    /** Changes the injected faults at run time. */
    public void setFaults(FaultProfile faults) {
        state.faults(faults);
    }

    /** Changes any setting at run time (limits keep their current levels, capped). */
    public void update(SimSettings settings) {
        state.update(settings);
    }

    /** The current level of one bucket (for tests): {@code requests}, {@code input_tokens} or {@code output_tokens}. */
    public double level(String apiKey, String modelClass, String dimension) {
        return state.limits().pool(keyId(apiKey), modelClass).level(dimension);
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }

    // ---------------------------------------------------------------- dispatch

    private void handle(HttpExchange exchange) {
        String requestId = Http.id("req_");
        try {
            route(exchange, requestId);
        } catch (Throwable t) {
            try {
                state.reply(exchange, 500, Http.error("api_error", "Internal server error", requestId), null, requestId);
            } catch (IOException | RuntimeException ignored) {
                exchange.close();
            }
            if (t instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private void route(HttpExchange exchange, String requestId) throws IOException, InterruptedException {
        String method = exchange.getRequestMethod();
        String path = exchange.getRequestURI().getPath();
        if (path.startsWith("/_sim/")) {
            admin(exchange, method, path.substring("/_sim/".length()), requestId);
            return;
        }
        state.stats().requests.increment();
        String key = apiKey(exchange);
        if (key == null) {
            state.reply(exchange, 401, Http.error("authentication_error", "x-api-key header is required", requestId), null, requestId);
            return;
        }
        if (!state.settings().apiKeys().isEmpty() && !state.settings().apiKeys().contains(key)) {
            state.reply(exchange, 401, Http.error("authentication_error", "invalid x-api-key", requestId), null, requestId);
            return;
        }
        String keyId = keyId(key);
        if (path.equals("/v1/models") && method.equals("GET")) {
            models(exchange, null, requestId);
            return;
        }
        if (path.startsWith("/v1/models/") && method.equals("GET")) {
            models(exchange, path.substring("/v1/models/".length()), requestId);
            return;
        }
        if (exchange.getRequestHeaders().getFirst("anthropic-version") == null) {
            state.reply(exchange, 400, Http.error("invalid_request_error", "anthropic-version: header is required", requestId), null, requestId);
            return;
        }
        switch (method + " " + path) {
            case "POST /v1/messages" -> {
                JsonNode body = body(exchange, requestId);
                if (body != null) {
                    messages.create(exchange, keyId, body, requestId);
                }
            }
            case "POST /v1/messages/count_tokens" -> {
                JsonNode body = body(exchange, requestId);
                if (body != null) {
                    messages.count(exchange, keyId, body, requestId);
                }
            }
            case "POST /v1/messages/batches" -> {
                JsonNode body = body(exchange, requestId);
                if (body != null) {
                    batches.create(exchange, keyId, body, requestId);
                }
            }
            case "GET /v1/messages/batches" -> batches.list(exchange, keyId, query(exchange), requestId);
            default -> batchItem(exchange, method, path, keyId, requestId);
        }
    }

    private void batchItem(HttpExchange exchange, String method, String path, String keyId, String requestId) throws IOException {
        String prefix = "/v1/messages/batches/";
        if (path.startsWith(prefix)) {
            String rest = path.substring(prefix.length());
            String[] parts = rest.split("/");
            if (parts.length == 1 && method.equals("GET")) {
                batches.retrieve(exchange, keyId, parts[0], requestId);
                return;
            }
            if (parts.length == 1 && method.equals("DELETE")) {
                batches.delete(exchange, keyId, parts[0], requestId);
                return;
            }
            if (parts.length == 2 && parts[1].equals("cancel") && method.equals("POST")) {
                batches.cancel(exchange, keyId, parts[0], requestId);
                return;
            }
            if (parts.length == 2 && parts[1].equals("results") && method.equals("GET")) {
                batches.results(exchange, keyId, parts[0], requestId);
                return;
            }
        }
        state.reply(exchange, 404, Http.error("not_found_error", "Not found: " + method + " " + path, requestId), null, requestId);
    }

    private JsonNode body(HttpExchange exchange, String requestId) throws IOException {
        byte[] bytes;
        try (InputStream in = exchange.getRequestBody()) {
            bytes = in.readAllBytes();
        }
        long limit = exchange.getRequestURI().getPath().equals("/v1/messages/batches") ? 256L << 20 : 32L << 20;
        if (bytes.length > limit) {
            state.reply(exchange, 413, Http.error("request_too_large", "Request exceeds the maximum allowed number of bytes.", requestId), null, requestId);
            return null;
        }
        try {
            JsonNode node = Http.JSON.readTree(bytes);
            if (node == null || !node.isObject()) {
                throw new IOException("not an object");
            }
            return node;
        } catch (IOException e) {
            state.reply(exchange, 400, Http.error("invalid_request_error", "The request body is not valid JSON.", requestId), null, requestId);
            return null;
        }
    }

    private void models(HttpExchange exchange, String id, String requestId) throws IOException {
        ArrayNode data = Http.JSON.createArrayNode();
        Instant created = Instant.parse("2025-01-01T00:00:00Z");
        for (String model : state.models().models()) {
            ObjectNode m = Http.JSON.createObjectNode();
            m.put("type", "model");
            m.put("id", model);
            m.put("display_name", model);
            m.put("created_at", created.toString());
            if (id != null && id.equals(model)) {
                state.reply(exchange, 200, m, null, requestId);
                return;
            }
            data.add(m);
        }
        if (id != null) {
            state.reply(exchange, 404, Http.error("not_found_error", "model: " + id, requestId), null, requestId);
            return;
        }
        ObjectNode out = Http.JSON.createObjectNode();
        out.set("data", data);
        out.put("has_more", false);
        out.put("first_id", data.isEmpty() ? null : data.get(0).get("id").asText());
        out.put("last_id", data.isEmpty() ? null : data.get(data.size() - 1).get("id").asText());
        state.reply(exchange, 200, out, null, requestId);
    }

    private void admin(HttpExchange exchange, String method, String what, String requestId) throws IOException {
        switch (method + " " + what) {
            case "GET stats" -> Http.send(exchange, 200, state.statsJson(), null, requestId);
            case "POST reset" -> {
                state.reset();
                Http.send(exchange, 200, Http.JSON.createObjectNode().put("reset", true), null, requestId);
            }
            case "GET clock" -> {
                ObjectNode c = Http.JSON.createObjectNode();
                c.put("now", state.clock().now().toString());
                c.put("start", state.clock().start().toString());
                c.put("scale", state.clock().scale());
                Http.send(exchange, 200, c, null, requestId);
            }
            case "GET faults" -> Http.send(exchange, 200, Http.JSON.valueToTree(state.faults()), null, requestId);
            case "PUT faults", "POST faults" -> {
                try (InputStream in = exchange.getRequestBody()) {
                    FaultProfile f = Http.JSON.readValue(in, FaultProfile.class);
                    state.faults(f);
                    Http.send(exchange, 200, Http.JSON.valueToTree(f), null, requestId);
                } catch (IOException | IllegalArgumentException e) {
                    Http.send(exchange, 400, Http.error("invalid_request_error", "The fault profile is invalid: "
                            + e.getMessage().lines().findFirst().orElse(""), requestId), null, requestId);
                }
            }
            default -> Http.send(exchange, 404, Http.error("not_found_error", "Unknown admin path /_sim/" + what, requestId), null, requestId);
        }
    }

    private static String apiKey(HttpExchange exchange) {
        String key = exchange.getRequestHeaders().getFirst("x-api-key");
        if (key != null && !key.isBlank()) {
            return key.trim();
        }
        String auth = exchange.getRequestHeaders().getFirst("authorization");
        if (auth != null && auth.regionMatches(true, 0, "Bearer ", 0, 7) && auth.length() > 7) {
            return auth.substring(7).trim();
        }
        return null;
    }

    /** A fingerprint of the key for statistics: the key itself never appears anywhere. */
    static String keyId(String key) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
            return "key-" + HexFormat.of().formatHex(digest, 0, 4);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Map<String, String> query(HttpExchange exchange) {
        Map<String, String> q = new HashMap<>();
        String raw = exchange.getRequestURI().getRawQuery();
        if (raw == null) {
            return q;
        }
        for (String pair : raw.split("&")) {
            int eq = pair.indexOf('=');
            if (eq > 0) {
                q.put(URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8),
                        URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
            }
        }
        return q;
    }

    /** Builds and starts a {@link SimServer}. */
    public static final class Builder {
        private SimSettings.Builder settings = SimSettings.builder();
        private String host = "127.0.0.1";
        private int port;

        private Builder() {
        }

        /** Settings from elsewhere (e.g. a config file). */
        public Builder settings(SimSettings s) {
            this.settings = s.toBuilder();
            return this;
        }

        /** Edits the settings. */
        public Builder configure(java.util.function.Consumer<SimSettings.Builder> edit) {
            edit.accept(settings);
            return this;
        }

        /** A preset tier. */
        public Builder tier(Tier tier) {
            settings.tier(tier);
            return this;
        }

        /** The same limits for every model class. */
        public Builder limits(long rpm, long itpm, long otpm) {
            settings.limits(rpm, itpm, otpm);
            return this;
        }

        /** The time scale. */
        public Builder timeScale(double scale) {
            settings.timeScale(scale);
            return this;
        }

        /** The seed. */
        public Builder seed(long seed) {
            settings.seed(seed);
            return this;
        }

        /** Injected faults. */
        public Builder faults(FaultProfile faults) {
            settings.faults(faults);
            return this;
        }

        /** The interface to listen on (default loopback). */
        public Builder host(String host) {
            this.host = host;
            return this;
        }

        /** The port (0: a free one). */
        public Builder port(int port) {
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("port must be between 0 and 65535, not " + port + ".");
            }
            this.port = port;
            return this;
        }

        /** Starts the server. */
        public SimServer start() throws IOException {
            return new SimServer(settings.build(), host, port);
        }
    }
}
