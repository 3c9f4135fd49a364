package dev.pacer.sim.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/**
 * One HTTP request and its answer. Every answer carries {@code request-id}; an answer to a known key
 * also carries {@code anthropic-organization-id} and {@code anthropic-workspace-id} (on errors too,
 * unless a setting keeps them to 2xx; a request refused before its key is known has neither); and,
 * unless a setting leaves them off 200s, the rate-limit headers it is given. Every answer is counted
 * by status; {@link #drop()} ends the connection without an answer (or in the middle of one).
 */
final class Exchange {

    /** Thrown to make the JDK server close the connection abruptly: no status, no terminating chunk. */
    static final class Dropped extends RuntimeException {
        Dropped() {
            super("connection dropped on purpose", null, false, false);
        }
    }

    /** The body was larger than allowed. */
    static final class TooLarge extends Exception {
        TooLarge() {
            super(null, null, false, false);
        }
    }

    private static final String RATE_LIMIT_HEADERS = "anthropic-ratelimit-";

    private final HttpExchange http;
    private final Counters counters;
    private final boolean rateLimitHeadersOnSuccess;
    private final boolean identityHeadersOnErrors;
    final String requestId;
    /** Whose limits this request draws on, once its key is known. */
    private Identity identity;
    private boolean answered;
    /** This request's stay in the in-flight count, or null (admin requests are not counted). */
    private InFlight.Ticket inFlight;

    /**
     * {@code rateLimitHeadersOnSuccess}: false leaves the {@code anthropic-ratelimit-*} headers off 200 answers;
     * {@code identityHeadersOnErrors}: false keeps the organization and workspace headers to 2xx answers.
     */
    Exchange(HttpExchange http, Counters counters, boolean rateLimitHeadersOnSuccess, boolean identityHeadersOnErrors) {
        this.http = http;
        this.counters = counters;
        this.rateLimitHeadersOnSuccess = rateLimitHeadersOnSuccess;
        this.identityHeadersOnErrors = identityHeadersOnErrors;
        this.requestId = Ids.next("req_");
    }

    /** Counts this request as in flight until its answer is complete. */
    void inFlight(InFlight.Ticket ticket) {
        this.inFlight = ticket;
    }

    /** The request's key belongs to {@code identity}. */
    void identity(Identity identity) {
        this.identity = identity;
    }

    /** Whose limits this request draws on (null before its key is known). */
    Identity identity() {
        return identity;
    }

    /** The request is authenticated as {@code keyId}. */
    void key(String keyId) {
        if (inFlight != null) {
            inFlight.key(keyId);
        }
    }

    /**
     * The answer is complete as far as the server is concerned: called right before its last bytes
     * are written (a client may send its next request the moment it reads them) and when the
     * handler ends; idempotent.
     */
    void answerComplete() {
        if (inFlight != null) {
            inFlight.leave();
        }
    }

    String method() {
        return http.getRequestMethod();
    }

    String path() {
        return http.getRequestURI().getPath();
    }

    String header(String name) {
        return http.getRequestHeaders().getFirst(name);
    }

    Map<String, String> query() {
        Map<String, String> q = new HashMap<>();
        String raw = http.getRequestURI().getRawQuery();
        if (raw != null) {
            for (String pair : raw.split("&")) {
                int eq = pair.indexOf('=');
                if (eq > 0) {
                    q.put(URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8),
                            URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
                }
            }
        }
        return q;
    }

    /** The body, refused beyond {@code limit} bytes (checked against Content-Length first, then while reading). */
    byte[] body(long limit) throws IOException, TooLarge {
        String declared = header("content-length");
        try (InputStream in = http.getRequestBody()) {
            if (declared != null) {
                try {
                    if (Long.parseLong(declared.trim()) > limit) {
                        drain(in);
                        throw new TooLarge();
                    }
                } catch (NumberFormatException ignored) {
                    // the server itself rejects a malformed length
                }
            }
            byte[] bytes = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, limit + 1));
            if (bytes.length > limit) {
                drain(in);
                throw new TooLarge();
            }
            return bytes;
        }
    }

    /**
     * Reads and discards what is left of a refused body (up to 256 MB), so that the client, still
     * sending, gets to read the 413 instead of a connection reset.
     */
    private static void drain(InputStream in) throws IOException {
        byte[] sink = new byte[64 * 1024];
        long left = 256L << 20;
        int n;
        while (left > 0 && (n = in.read(sink, 0, (int) Math.min(sink.length, left))) > 0) {
            left -= n;
        }
    }

    boolean answered() {
        return answered;
    }

    void json(int status, JsonNode body, Map<String, String> headers) throws IOException {
        bytes(status, Json.MAPPER.writeValueAsBytes(body), "application/json", headers);
    }

    void bytes(int status, byte[] body, String contentType, Map<String, String> headers) throws IOException {
        prepare(status, contentType, headers);
        answerComplete();
        http.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
        try (OutputStream out = http.getResponseBody()) {
            out.write(body);
        }
    }

    /** Answers 200 with {@code text/event-stream} and returns the stream to write events to. */
    SseStream stream(Map<String, String> headers) throws IOException {
        prepare(200, "text/event-stream; charset=utf-8", headers);
        http.getResponseHeaders().set("cache-control", "no-cache");
        http.sendResponseHeaders(200, 0);
        return new SseStream(http.getResponseBody(), this::answerComplete);
    }

    private void prepare(int status, String contentType, Map<String, String> headers) {
        answered = true;
        counters.response(status);
        var h = http.getResponseHeaders();
        h.set("content-type", contentType);
        h.set("request-id", requestId);
        if (identity != null && (status < 400 || identityHeadersOnErrors)) {
            h.set("anthropic-organization-id", identity.organizationId());
            h.set("anthropic-workspace-id", identity.workspaceId());
        }
        if (headers != null) {
            // Filtered here, where every answer passes, so that no endpoint can forget it.
            boolean omit = status == 200 && !rateLimitHeadersOnSuccess;
            headers.forEach((name, value) -> {
                if (!(omit && name.startsWith(RATE_LIMIT_HEADERS))) {
                    h.set(name, value);
                }
            });
        }
    }

    /** Ends the connection at once: before an answer the client sees a reset, during a stream a truncated body. */
    Dropped drop() {
        answered = true;
        return new Dropped();
    }

    void close() {
        http.close();
    }
}
