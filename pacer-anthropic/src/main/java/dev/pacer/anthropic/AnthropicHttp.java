package dev.pacer.anthropic;

import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;

/**
 * A thin asynchronous client for the Anthropic API over {@link java.net.http.HttpClient}: raw JSON
 * in, raw JSON (or an SSE stream) out, HTTP/2 where the server offers it, connections reused. It
 * never retries: pacing and retries belong to the engine. The API key is sent as {@code x-api-key}
 * and appears nowhere else.
 */
public final class AnthropicHttp implements AutoCloseable {

    /** The API version every request declares. */
    public static final String VERSION = "2023-06-01";

    private final HttpClient client;
    private final String base;
    private final String apiKey;
    private final boolean ownsClient;

    private AnthropicHttp(Builder b) {
        // Kept as text and appended to, not URI.resolve'd: resolving "/v1/messages" would drop a path
        // prefix such as a gateway's "https://proxy.example/anthropic".
        this.base = b.baseUrl.endsWith("/") ? b.baseUrl.substring(0, b.baseUrl.length() - 1) : b.baseUrl;
        this.apiKey = b.apiKey;
        this.ownsClient = b.client == null;
        this.client = b.client != null ? b.client : HttpClient.newBuilder().version(HttpClient.Version.HTTP_2)
                .connectTimeout(b.connectTimeout).executor(Executors.newVirtualThreadPerTaskExecutor()).build();
    }

    /** A builder (base URL {@code https://api.anthropic.com}). */
    public static Builder builder() {
        return new Builder();
    }

    /** A response read whole. */
    public record Response(int status, HttpHeaders headers, byte[] body) {
        /** A header by name (case-insensitive). */
        public Optional<String> header(String name) {
            return headers.firstValue(name);
        }
    }

    /** A response whose body is still arriving (an SSE stream, or an error body). */
    public record Streaming(int status, HttpHeaders headers, InputStream body) {
        /** A header by name (case-insensitive). */
        public Optional<String> header(String name) {
            return headers.firstValue(name);
        }
    }

    /** POSTs JSON and reads the whole answer. */
    public CompletableFuture<Response> post(String path, byte[] json, Duration timeout) {
        return client.sendAsync(request(path, timeout).POST(HttpRequest.BodyPublishers.ofByteArray(json)).build(),
                HttpResponse.BodyHandlers.ofByteArray()).thenApply(r -> new Response(r.statusCode(), r.headers(), r.body()));
    }

    /** POSTs JSON and returns as soon as the response headers arrive, with the body as a stream. */
    public CompletableFuture<Streaming> postStreaming(String path, byte[] json, Duration timeout) {
        return client.sendAsync(request(path, timeout).header("accept", "text/event-stream")
                        .POST(HttpRequest.BodyPublishers.ofByteArray(json)).build(), HttpResponse.BodyHandlers.ofInputStream())
                .thenApply(r -> new Streaming(r.statusCode(), r.headers(), r.body()));
    }

    /** GETs a path and reads the whole answer. */
    public CompletableFuture<Response> get(String path, Duration timeout) {
        return client.sendAsync(request(path, timeout).GET().build(), HttpResponse.BodyHandlers.ofByteArray())
                .thenApply(r -> new Response(r.statusCode(), r.headers(), r.body()));
    }

    /** DELETEs a path. */
    public CompletableFuture<Response> delete(String path, Duration timeout) {
        return client.sendAsync(request(path, timeout).DELETE().build(), HttpResponse.BodyHandlers.ofByteArray())
                .thenApply(r -> new Response(r.statusCode(), r.headers(), r.body()));
    }

    /** GETs a path with its body as a stream (batch results). */
    public CompletableFuture<Streaming> getStreaming(String path, Duration timeout) {
        return client.sendAsync(request(path, timeout).GET().build(), HttpResponse.BodyHandlers.ofInputStream())
                .thenApply(r -> new Streaming(r.statusCode(), r.headers(), r.body()));
    }

    /** A short, non-reversible name of this client's API key (the key itself is never exposed). */
    public String keyFingerprint() {
        return AnthropicPacer.fingerprint(apiKey);
    }

    private HttpRequest.Builder request(String path, Duration timeout) {
        return HttpRequest.newBuilder(URI.create(base + path)).timeout(timeout)
                .header("x-api-key", apiKey)
                .header("anthropic-version", VERSION)
                .header("content-type", "application/json");
    }

    /**
     * The timeout the official SDKs derive from {@code max_tokens} when the caller sets none:
     * non-streaming {@code clamp(30 s x max_tokens / 1000, 30 s, 600 s)}, streaming
     * {@code clamp(3600 s x max_tokens / 128000, 600 s, 3600 s)} (for the whole stream).
     */
    public static Duration timeoutFor(long maxTokens, boolean streaming) {
        if (streaming) {
            return Duration.ofMillis(Math.max(600_000, Math.min(3_600_000, 3_600_000 * maxTokens / 128_000)));
        }
        return Duration.ofMillis(Math.max(30_000, Math.min(600_000, 30 * maxTokens)));
    }

    @Override
    public void close() {
        if (ownsClient) {
            client.close();
        }
    }

    /** Builds an {@link AnthropicHttp}. */
    public static final class Builder {
        private String baseUrl = "https://api.anthropic.com";
        private String apiKey;
        private Duration connectTimeout = Duration.ofSeconds(10);
        private HttpClient client;

        private Builder() {
        }

        /** The API's base URL. */
        public Builder baseUrl(String baseUrl) {
            URI uri = URI.create(Objects.requireNonNull(baseUrl, "baseUrl"));
            if (uri.getScheme() == null || !(uri.getScheme().equals("http") || uri.getScheme().equals("https")) || uri.getHost() == null) {
                throw new IllegalArgumentException("The base URL '" + baseUrl + "' is not an http(s) URL like https://api.anthropic.com.");
            }
            this.baseUrl = baseUrl;
            return this;
        }

        /** The API key (never logged). */
        public Builder apiKey(String apiKey) {
            if (apiKey == null || apiKey.isBlank()) {
                throw new IllegalArgumentException("An API key is required: set ANTHROPIC_API_KEY or pass one.");
            }
            this.apiKey = apiKey.trim();
            return this;
        }

        /** The connect timeout (default 10 s). */
        public Builder connectTimeout(Duration timeout) {
            this.connectTimeout = timeout;
            return this;
        }

        /** Use this JDK client instead of creating one. */
        public Builder httpClient(HttpClient client) {
            this.client = client;
            return this;
        }

        /** The client. */
        public AnthropicHttp build() {
            if (apiKey == null) {
                throw new IllegalArgumentException("An API key is required: set ANTHROPIC_API_KEY or pass one.");
            }
            return new AnthropicHttp(this);
        }
    }
}
