package dev.pacer.bench.strategy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pacer.anthropic.AnthropicHttp;
import java.io.IOException;
import java.util.OptionalDouble;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutionException;

/**
 * The baselines' one HTTP call (no retries of its own) and the official SDKs' retry rules, which
 * several baselines build on.
 */
final class Wire {

    private static final ObjectMapper JSON = new ObjectMapper();

    private Wire() {
    }

    /**
     * One answer: the status (0 when the connection failed or timed out), the headers and the body.
     */
    record Answer(int status, AnthropicHttp.Response response, JsonNode body) {
        boolean ok() {
            return status == 200;
        }

        String header(String name) {
            return response == null ? null : response.header(name).orElse(null);
        }

        long inputTokens() {
            JsonNode u = body == null ? null : body.path("usage");
            return u == null ? 0 : u.path("input_tokens").asLong() + u.path("cache_creation_input_tokens").asLong();
        }

        long outputTokens() {
            return body == null ? 0 : body.path("usage").path("output_tokens").asLong();
        }
    }

    /** Sends one request and waits for the whole answer. */
    static Answer send(AnthropicHttp http, ObjectNode params) throws InterruptedException {
        try {
            byte[] bytes = JSON.writeValueAsBytes(params);
            AnthropicHttp.Response r = http.post("/v1/messages", bytes,
                    AnthropicHttp.timeoutFor(params.path("max_tokens").asLong(), false)).get();
            JsonNode body = null;
            try {
                body = r.body().length == 0 ? null : JSON.readTree(r.body());
            } catch (IOException unreadable) {
                // the status says enough
            }
            return new Answer(r.status(), r, body);
        } catch (ExecutionException | IOException e) {
            return new Answer(0, null, null);
        }
    }

    /**
     * The SDKs' {@code _should_retry}: {@code x-should-retry} first, then 408, 409, 429 and any
     * status of 500 or more; connection errors and timeouts too.
     */
    static boolean sdkShouldRetry(Answer a) {
        if (a.status() == 0) {
            return true;
        }
        String should = a.header("x-should-retry");
        if ("true".equals(should)) {
            return true;
        }
        if ("false".equals(should)) {
            return false;
        }
        int s = a.status();
        return s == 408 || s == 409 || s == 429 || s >= 500;
    }

    /**
     * The SDKs' {@code _calculate_retry_timeout}: a server delay in (0, 60] s is obeyed as is
     * ({@code retry-after-ms}, then {@code retry-after}); otherwise
     * {@code min(0.5 * 2^retries, 8) * (1 - 0.25 * random)}. In simulated seconds.
     */
    static double sdkRetryDelay(Answer a, int retriesTaken, SplittableRandom random, double timeScale) {
        OptionalDouble server = serverDelay(a, timeScale);
        if (server.isPresent() && server.getAsDouble() > 0 && server.getAsDouble() <= 60) {
            return server.getAsDouble();
        }
        return Math.min(0.5 * Math.pow(2, retriesTaken), 8.0) * (1 - 0.25 * random.nextDouble());
    }

    /**
     * The server's delay in simulated seconds. The simulator sends {@code retry-after} in
     * simulated seconds and, when its {@code retry-after-ms} option is on, that header in
     * wall-clock milliseconds (so that an unmodified SDK waits the right time); the baselines
     * sleep in simulated time, so the latter is scaled up.
     */
    private static OptionalDouble serverDelay(Answer a, double timeScale) {
        try {
            String ms = a.header("retry-after-ms");
            if (ms != null) {
                return OptionalDouble.of(Double.parseDouble(ms) / 1000 * timeScale);
            }
            String s = a.header("retry-after");
            if (s != null) {
                return OptionalDouble.of(Double.parseDouble(s));
            }
        } catch (NumberFormatException ignored) {
            // an HTTP date: the simulator never sends one
        }
        return OptionalDouble.empty();
    }
}
