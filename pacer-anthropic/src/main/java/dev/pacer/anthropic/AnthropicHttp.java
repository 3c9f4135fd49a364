package dev.pacer.anthropic;

import dev.pacer.anthropic.internal.ForwardedHeaders;
import dev.pacer.anthropic.internal.JdkWire;
import dev.pacer.time.PacerScheduler;
import dev.pacer.time.ScheduledTask;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * A thin asynchronous client for the Anthropic API over {@link java.net.http.HttpClient}: raw JSON
 * in, raw JSON (or an SSE stream) out, HTTP/2 where the server offers it, connections reused. It
 * never retries: pacing and retries belong to the engine. The API key is sent as {@code x-api-key}
 * and appears nowhere else.
 *
 * <p>Timeouts cover the whole exchange, body included, like the SDK's call timeout: the JDK's own
 * {@link HttpRequest.Builder#timeout} stops at the response headers, so a server that sends its
 * headers and then stalls (or a stream that never ends) would otherwise hold the call, and the
 * engine's permit, forever. The deadline is a task on the injected scheduler, not a sleeping thread.
 *
 * <p>A {@link Request} may carry its own key (a client serving many) and the caller's headers
 * ({@code anthropic-beta}, {@code anthropic-workspace-id}, ...), which are sent on except for
 * hop-by-hop ones and those this client sets itself (framing, {@code content-type}, credentials).
 *
 * <p>The bytes go over a {@link Wire}: the JDK's client by default, or another one a server that relays
 * many calls brings (the gateway sends over Jetty's client, the same as its server).
 */
public final class AnthropicHttp implements AutoCloseable {

    /** The API version every request declares. */
    public static final String VERSION = "2023-06-01";

    private final Wire wire;
    private final String base;
    private final ApiKey apiKey;
    private final boolean ownsWire;
    private final PacerScheduler scheduler;

    private AnthropicHttp(Builder b) {
        // Kept as text and appended to, not URI.resolve'd: resolving "/v1/messages" would drop a path
        // prefix such as a gateway's "https://proxy.example/anthropic".
        this.base = b.baseUrl.endsWith("/") ? b.baseUrl.substring(0, b.baseUrl.length() - 1) : b.baseUrl;
        this.apiKey = b.apiKey;
        this.scheduler = b.scheduler;
        if (b.wire != null) {
            this.wire = b.wire;
            this.ownsWire = false;
        } else {
            this.wire = b.client != null ? new JdkWire(b.client, false) : new JdkWire(b.connectTimeout);
            this.ownsWire = b.client == null;
        }
    }

    /**
     * How a request goes on the wire. {@link AnthropicHttp} builds the request (URL, headers with the key,
     * body) and keeps its deadline; a wire only sends it. Both methods complete their future when the
     * answer arrives, or fail it with the transport's {@link IOException} (a {@link java.net.ConnectException},
     * an {@link java.io.EOFException}...); cancelling the future aborts the exchange.
     */
    public interface Wire extends AutoCloseable {

        /**
         * Sends and reads the whole answer.
         *
         * @param headers by lower-case name, each to be sent once as it is (the key, {@code anthropic-version},
         *                {@code content-type} included; framing headers are the wire's own)
         * @param body    the body, or null for none
         */
        CompletableFuture<Response> send(String method, URI uri, Map<String, String> headers, byte[] body);

        /**
         * Sends and completes as soon as the response headers arrive, with the body as a stream read as it
         * comes (a slow reader slows the upstream: the wire buffers a bounded amount). Closing the stream
         * before its end aborts the exchange.
         */
        CompletableFuture<Streaming> sendStreaming(String method, URI uri, Map<String, String> headers, byte[] body);

        /** Releases what the wire holds (connections, threads); the default holds nothing. */
        @Override
        default void close() {
        }
    }

    /** A builder (base URL {@code https://api.anthropic.com}). */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * One request.
     *
     * @param method  GET, POST or DELETE
     * @param path    from {@code /v1/}, with its query
     * @param body    the JSON body, or null
     * @param apiKey  the key to send, or null for this client's
     * @param headers the caller's headers to send on (see the class comment), by name
     * @param timeout over the whole exchange, body included
     */
    public record Request(String method, String path, byte[] body, ApiKey apiKey, Map<String, String> headers, Duration timeout) {
        public Request {
            Objects.requireNonNull(method, "method");
            Objects.requireNonNull(path, "path");
            Objects.requireNonNull(timeout, "timeout");
            headers = headers == null ? Map.of() : Map.copyOf(headers);
        }

        /** A POST of {@code json} with this client's key and no extra header. */
        public static Request post(String path, byte[] json, Duration timeout) {
            return new Request("POST", path, json, null, Map.of(), timeout);
        }

        /** Never the key nor header values. */
        @Override
        public String toString() {
            return "Request[" + method + " " + path + ", apiKey=" + (apiKey == null ? "the client's" : apiKey) + ", headers="
                    + headers.keySet() + "]";
        }
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

    /** Sends {@code request} and reads the whole answer. */
    public CompletableFuture<Response> send(Request request) {
        return exchange(request, this::whole);
    }

    /**
     * Sends {@code request} and returns as soon as the response headers arrive, with the body as a
     * stream. Its timeout covers the whole stream: when it passes, the body is closed and a read in
     * progress fails with an {@link HttpTimeoutException}.
     */
    public CompletableFuture<Streaming> sendStreaming(Request request) {
        return exchange(request, this::streaming);
    }

    /** {@code request} built and sent by {@code how}; a request that cannot be built fails the future, not the caller's thread. */
    private <T> CompletableFuture<T> exchange(Request request, Sender<T> how) {
        URI uri;
        Map<String, String> headers;
        try {
            uri = URI.create(base + request.path());
            headers = headersOf(request);
        } catch (IllegalArgumentException | IllegalStateException e) {
            return CompletableFuture.failedFuture(e);
        }
        return how.send(request, uri, headers);
    }

    private interface Sender<T> {
        CompletableFuture<T> send(Request request, URI uri, Map<String, String> headers);
    }

    /** POSTs JSON and reads the whole answer; {@code timeout} covers the whole exchange. */
    public CompletableFuture<Response> post(String path, byte[] json, Duration timeout) {
        return send(Request.post(path, json, timeout));
    }

    /** POSTs JSON for an SSE stream (see {@link #sendStreaming}). */
    public CompletableFuture<Streaming> postStreaming(String path, byte[] json, Duration timeout) {
        return sendStreaming(new Request("POST", path, json, null, Map.of("accept", "text/event-stream"), timeout));
    }

    /** GETs a path and reads the whole answer. */
    public CompletableFuture<Response> get(String path, Duration timeout) {
        return send(new Request("GET", path, null, null, Map.of(), timeout));
    }

    /** DELETEs a path. */
    public CompletableFuture<Response> delete(String path, Duration timeout) {
        return send(new Request("DELETE", path, null, null, Map.of(), timeout));
    }

    /** GETs a path with its body as a stream (batch results); {@code timeout} covers the whole stream. */
    public CompletableFuture<Streaming> getStreaming(String path, Duration timeout) {
        return sendStreaming(new Request("GET", path, null, null, Map.of(), timeout));
    }

    /** Where this client keeps its deadlines (a stream's reader uses it for its own backstop). */
    PacerScheduler scheduler() {
        return scheduler;
    }

    /** A short, non-reversible name of this client's API key (the key itself is never exposed), or null without one. */
    public String keyFingerprint() {
        return apiKey == null ? null : apiKey.fingerprint();
    }

    /** This client's own key, or null when every request brings its own. */
    ApiKey defaultKey() {
        return apiKey;
    }

    private CompletableFuture<Response> whole(Request request, URI uri, Map<String, String> headers) {
        Duration timeout = request.timeout();
        CompletableFuture<Response> sent = wire.send(request.method(), uri, headers, request.body());
        CompletableFuture<Response> result = new CompletableFuture<>();
        ScheduledTask timer = scheduler.schedule(() -> {
            if (result.completeExceptionally(timedOut(uri, timeout))) {
                sent.cancel(true); // aborts the exchange, so the connection is not left reading a body nobody wants
            }
        }, timeout);
        sent.whenComplete((r, error) -> {
            timer.cancel();
            if (error != null) {
                result.completeExceptionally(error);
            } else {
                result.complete(r);
            }
        });
        return result;
    }

    private CompletableFuture<Streaming> streaming(Request request, URI uri, Map<String, String> headers) {
        Duration timeout = request.timeout();
        CompletableFuture<Streaming> sent = wire.sendStreaming(request.method(), uri, headers, request.body());
        CompletableFuture<Streaming> result = new CompletableFuture<>();
        DeadlineStream[] body = new DeadlineStream[1];
        ScheduledTask timer = scheduler.schedule(() -> {
            if (result.completeExceptionally(timedOut(uri, timeout))) {
                sent.cancel(true);
            } else if (body[0] != null) {
                body[0].expire();
            }
        }, timeout);
        sent.whenComplete((r, error) -> {
            if (error != null) {
                timer.cancel();
                result.completeExceptionally(error);
                return;
            }
            DeadlineStream in = new DeadlineStream(r.body(), timer, "The response from " + uri.getPath()
                    + " did not end within its timeout of " + timeout.toMillis() + " ms.");
            body[0] = in;
            if (!result.complete(new Streaming(r.status(), r.headers(), in))) {
                in.closeQuietly(); // the deadline passed while the headers were on their way
            }
        });
        return result;
    }

    private static HttpTimeoutException timedOut(URI uri, Duration timeout) {
        return new HttpTimeoutException("No complete response from " + uri.getPath() + " within its timeout of "
                + timeout.toMillis() + " ms.");
    }

    /**
     * A body that is closed when its deadline passes. The JDK's stream wakes a blocked read with a
     * plain "closed" IOException; this turns it into an {@link HttpTimeoutException} so the engine
     * classifies it as a timeout. Closing it (or reading to the end) cancels the deadline.
     */
    private static final class DeadlineStream extends FilterInputStream {
        private final ScheduledTask timer;
        private final String message;
        private volatile boolean expired;

        DeadlineStream(InputStream in, ScheduledTask timer, String message) {
            super(in);
            this.timer = timer;
            this.message = message;
        }

        void expire() {
            expired = true;
            closeQuietly();
        }

        void closeQuietly() {
            try {
                super.close();
            } catch (IOException ignored) {
                // closing a body nobody reads any more
            }
        }

        private int checked(IoRead read) throws IOException {
            if (expired) {
                throw new HttpTimeoutException(message);
            }
            try {
                int n = read.run();
                if (n < 0) {
                    timer.cancel();
                }
                return n;
            } catch (IOException e) {
                if (expired) {
                    HttpTimeoutException timeout = new HttpTimeoutException(message);
                    timeout.initCause(e);
                    throw timeout;
                }
                throw e;
            }
        }

        @Override
        public int read() throws IOException {
            return checked(super::read);
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            return checked(() -> super.read(b, off, len));
        }

        @Override
        public void close() throws IOException {
            timer.cancel();
            super.close();
        }

        private interface IoRead {
            int run() throws IOException;
        }
    }

    /** The headers {@code request} goes with: the version, the caller's (see the class comment), the key, the content type. */
    private Map<String, String> headersOf(Request request) {
        ApiKey key = request.apiKey() != null ? request.apiKey() : apiKey;
        if (key == null) {
            throw new IllegalStateException("No API key for " + request.method() + " " + request.path()
                    + ": give the client one (apiKey) or the call (CallOptions.withApiKey).");
        }
        Map<String, String> headers = new java.util.LinkedHashMap<>();
        headers.put("anthropic-version", VERSION);
        headers.putAll(ForwardedHeaders.toSend(request.headers()));
        headers.put("x-api-key", key.secret());
        headers.put("content-type", "application/json");
        return headers;
    }

    /**
     * The timeout the official SDKs derive from {@code max_tokens} when the caller sets none:
     * non-streaming {@code clamp(30 s x max_tokens / 1000, 30 s, 600 s)}, streaming
     * {@code clamp(3600 s x max_tokens / 128000, 600 s, 3600 s)} (for the whole stream).
     */
    public static Duration timeoutFor(long maxTokens, boolean streaming) {
        long tokens = Math.max(0, Math.min(maxTokens, 1_000_000_000L)); // no overflow for an absurd max_tokens
        if (streaming) {
            return Duration.ofMillis(Math.max(600_000, Math.min(3_600_000, 3_600_000 * tokens / 128_000)));
        }
        return Duration.ofMillis(Math.max(30_000, Math.min(600_000, 30 * tokens)));
    }

    @Override
    public void close() {
        if (ownsWire) {
            wire.close();
        }
    }

    /** Builds an {@link AnthropicHttp}. */
    public static final class Builder {
        private String baseUrl = "https://api.anthropic.com";
        private ApiKey apiKey;
        private Duration connectTimeout = Duration.ofSeconds(10);
        private HttpClient client;
        private Wire wire;
        private PacerScheduler scheduler = PacerScheduler.system();

        private Builder() {
        }

        /** Where request deadlines are kept (default the shared system scheduler). */
        public Builder scheduler(PacerScheduler scheduler) {
            this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
            return this;
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

        /** The API key (never logged); without one, every request brings its own. */
        public Builder apiKey(String apiKey) {
            this.apiKey = ApiKey.of(apiKey);
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

        /**
         * Send over {@code wire} instead of the JDK's client (the caller keeps it and closes it; the connect
         * timeout is then the wire's).
         */
        public Builder wire(Wire wire) {
            this.wire = Objects.requireNonNull(wire, "wire");
            return this;
        }

        /** The client. */
        public AnthropicHttp build() {
            return new AnthropicHttp(this);
        }
    }
}
