package dev.pacer.anthropic;

import java.time.Duration;
import java.util.Arrays;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/**
 * A request to an Anthropic endpoint other than Messages, for {@link AnthropicPacer#send}: the
 * Message Batches endpoints (create, retrieve, list, results, cancel, delete), {@code count_tokens},
 * models. It is paced on its endpoint's pool ({@link AnthropicQuotaKeys#forPath}: every batch
 * endpoint on {@code batches}) and retried by the engine like any call. Immutable.
 *
 * <pre>{@code
 * EndpointReply created = claude.send(EndpointRequest.post("/v1/messages/batches", body), options).join();
 * EndpointReply status = claude.send(EndpointRequest.get("/v1/messages/batches/" + id), options).join();
 * }</pre>
 */
public final class EndpointRequest {

    private final String method;
    private final String path;
    private final byte[] body;
    private final Duration timeout;
    private final Set<Integer> answeredAsIs;

    private EndpointRequest(String method, String path, byte[] body, Duration timeout, Set<Integer> answeredAsIs) {
        this.method = method;
        this.path = path;
        this.body = body;
        this.timeout = timeout;
        this.answeredAsIs = answeredAsIs;
    }

    /** {@code GET path} (with its query string, e.g. {@code /v1/messages/batches?limit=20}). */
    public static EndpointRequest get(String path) {
        return new EndpointRequest("GET", checked(path), null, Duration.ofSeconds(60), Set.of());
    }

    /** {@code POST path} with a JSON body. */
    public static EndpointRequest post(String path, byte[] json) {
        return new EndpointRequest("POST", checked(path), Objects.requireNonNull(json, "json").clone(), Duration.ofSeconds(60), Set.of());
    }

    /** {@code DELETE path}. */
    public static EndpointRequest delete(String path) {
        return new EndpointRequest("DELETE", checked(path), null, Duration.ofSeconds(60), Set.of());
    }

    /**
     * The same request with this timeout over the whole exchange, its body included (default 60 s; a
     * large results download wants more), 1 ms to 1 day.
     */
    public EndpointRequest withTimeout(Duration timeout) {
        Objects.requireNonNull(timeout, "timeout");
        if (timeout.compareTo(Duration.ofMillis(1)) < 0 || timeout.compareTo(Duration.ofDays(1)) > 0) {
            throw new IllegalArgumentException("An endpoint timeout must be between 1 ms and 1 day, not " + timeout + ".");
        }
        return new EndpointRequest(method, path, body, timeout, answeredAsIs);
    }

    /**
     * The same request with answers of these statuses handed back as they are, at once, instead of
     * retried or failed: the caller knows what they mean here. Say a batch create refused with a 429
     * because the processing queue is full, which waiting on the pool's request limit would not cure
     * and the caller answers by waiting for its own batches to end.
     */
    public EndpointRequest withAnswersAsIs(int... statuses) {
        Set<Integer> s = new TreeSet<>(answeredAsIs);
        for (int status : statuses) {
            if (status < 100 || status > 599) {
                throw new IllegalArgumentException("An HTTP status is between 100 and 599, not " + status + ".");
            }
            s.add(status);
        }
        return new EndpointRequest(method, path, body, timeout, Set.copyOf(s));
    }

    /** GET, POST or DELETE. */
    public String method() {
        return method;
    }

    /** The path (from {@code /v1/}) and its query. */
    public String path() {
        return path;
    }

    /** The JSON body, or null. */
    public byte[] body() {
        return body == null ? null : body.clone();
    }

    /** The timeout over the whole exchange. */
    public Duration timeout() {
        return timeout;
    }

    /** The statuses handed back as they are. */
    public Set<Integer> answeredAsIs() {
        return answeredAsIs;
    }

    /** The body without a copy, for the client that sends it. */
    byte[] bodyBytes() {
        return body;
    }

    private static String checked(String path) {
        Objects.requireNonNull(path, "path");
        if (!path.startsWith("/v1/") || path.chars().anyMatch(c -> c <= 0x20 || c >= 0x7f)) {
            throw new IllegalArgumentException("An endpoint path starts with /v1/ and holds no spaces or control characters, not '"
                    + path.replaceAll("[^\\x21-\\x7e]", "?") + "'.");
        }
        return path;
    }

    @Override
    public String toString() {
        return method + " " + path + (body == null ? "" : " (" + body.length + " bytes)")
                + (answeredAsIs.isEmpty() ? "" : " answered as is: " + Arrays.toString(answeredAsIs.toArray()));
    }
}
