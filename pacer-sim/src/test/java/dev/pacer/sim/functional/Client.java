package dev.pacer.sim.functional;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pacer.sim.SimServer;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** A plain HTTP client for the simulator (the JDK's), for what the SDK hides: raw headers, raw streams. */
final class Client {

    static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(20)).build();
    private final SimServer sim;
    private final String key;

    Client(SimServer sim, String key) {
        this.sim = sim;
        this.key = key;
    }

    HttpResponse<String> post(String path, String body, String... headers) throws IOException, InterruptedException {
        return send(request(path, headers).POST(HttpRequest.BodyPublishers.ofString(body)));
    }

    HttpResponse<String> get(String path, String... headers) throws IOException, InterruptedException {
        return send(request(path, headers).GET());
    }

    HttpResponse<String> send(HttpRequest.Builder b) throws IOException, InterruptedException {
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    HttpRequest.Builder request(String path, String... headers) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(sim.baseUrl() + path)).timeout(Duration.ofSeconds(60))
                .header("content-type", "application/json").header("anthropic-version", "2023-06-01");
        if (key != null) {
            b.header("x-api-key", key);
        }
        for (int i = 0; i + 1 < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return b;
    }

    static JsonNode json(HttpResponse<String> r) throws IOException {
        return JSON.readTree(r.body());
    }

    /** A Messages body: {@code words} words of prose, {@code maxTokens}, streamed or not, with an optional output hint. */
    static ObjectNode message(String model, int maxTokens, int words, boolean stream, int outputTokens) {
        ObjectNode b = JSON.createObjectNode();
        b.put("model", model);
        b.put("max_tokens", maxTokens);
        if (stream) {
            b.put("stream", true);
        }
        if (outputTokens > 0) {
            b.putObject("metadata").put("user_id", "sim:output_tokens=" + outputTokens);
        }
        b.putArray("messages").addObject().put("role", "user").put("content", "word ".repeat(Math.max(1, words)).trim());
        return b;
    }

    static String text(ObjectNode body) {
        return body.toString();
    }
}
