package dev.pacer.anthropic;

import dev.pacer.quota.Priority;
import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.function.Supplier;
import java.util.regex.Pattern;

/**
 * How one call through {@link AnthropicPacer} is made: with which API key (by default the
 * client's), at which priority and deadline, with which extra request headers (say
 * {@code anthropic-beta} or {@code anthropic-workspace-id}), and with hooks that run just before an
 * attempt is sent. Immutable: each {@code with...} returns a copy.
 *
 * <pre>{@code
 * CallOptions options = CallOptions.defaults().withApiKey(teamKey).withPriority(Priority.BULK)
 *         .withHeader("anthropic-beta", "context-1m-2025-08-07");
 * }</pre>
 */
public final class CallOptions {

    private static final Pattern HEADER_NAME = Pattern.compile("[!#$%&'*+.^_`|~0-9A-Za-z-]{1,100}");
    private static final CallOptions DEFAULTS = new CallOptions(null, Priority.NORMAL, null, Map.of(), null, null, 0);

    private final ApiKey apiKey;
    private final Priority priority;
    private final Instant deadline;
    private final Map<String, String> headers;
    private final Runnable onSend;
    private final Supplier<String> declineReason;
    private final int clientRetries;

    private CallOptions(ApiKey apiKey, Priority priority, Instant deadline, Map<String, String> headers, Runnable onSend,
                        Supplier<String> declineReason, int clientRetries) {
        this.apiKey = apiKey;
        this.priority = priority;
        this.deadline = deadline;
        this.headers = headers;
        this.onSend = onSend;
        this.declineReason = declineReason;
        this.clientRetries = clientRetries;
    }

    /** The client's key, priority NORMAL, no deadline, no extra header, no hook. */
    public static CallOptions defaults() {
        return DEFAULTS;
    }

    /** The same options with this API key (its pools are its own: {@link AnthropicQuotaKeys}). */
    public CallOptions withApiKey(ApiKey key) {
        return new CallOptions(Objects.requireNonNull(key, "apiKey"), priority, deadline, headers, onSend, declineReason, clientRetries);
    }

    /** The same options with this API key. */
    public CallOptions withApiKey(String key) {
        return withApiKey(ApiKey.of(key));
    }

    /** The same options with this admission class (default NORMAL). */
    public CallOptions withPriority(Priority priority) {
        return new CallOptions(apiKey, Objects.requireNonNull(priority, "priority"), deadline, headers, onSend, declineReason, clientRetries);
    }

    /** The same options with this deadline, covering admission and every attempt (null: none). */
    public CallOptions withDeadline(Instant deadline) {
        return new CallOptions(apiKey, priority, deadline, headers, onSend, declineReason, clientRetries);
    }

    /**
     * The same options with one more request header, sent on every attempt: {@code anthropic-beta},
     * {@code anthropic-workspace-id} and the like. Hop-by-hop headers ({@code connection},
     * {@code keep-alive}, ...) and those the client sets itself ({@code x-api-key},
     * {@code authorization}, {@code content-type}, ...) are not sent; the key is
     * {@link #withApiKey}'s.
     *
     * @throws IllegalArgumentException for a name that is not an HTTP token or a value with a line break
     */
    public CallOptions withHeader(String name, String value) {
        Objects.requireNonNull(name, "header name");
        Objects.requireNonNull(value, "header value");
        if (!HEADER_NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("The header name '" + clip(name) + "' is not an HTTP token (letters, digits and !#$%&'*+.^_`|~-).");
        }
        if (value.chars().anyMatch(c -> c == '\r' || c == '\n' || c == 0)) {
            throw new IllegalArgumentException("The value of header " + name + " holds a line break or NUL; send one line.");
        }
        Map<String, String> more = new LinkedHashMap<>(headers);
        more.put(name.toLowerCase(Locale.ROOT), value);
        return new CallOptions(apiKey, priority, deadline, Collections.unmodifiableMap(more), onSend, declineReason, clientRetries);
    }

    /** The same options with every header of {@code headers} added (see {@link #withHeader}). */
    public CallOptions withHeaders(Map<String, String> headers) {
        CallOptions o = this;
        for (Map.Entry<String, String> h : headers.entrySet()) {
            o = o.withHeader(h.getKey(), h.getValue());
        }
        return o;
    }

    /**
     * The same options with {@code onSend} run each time an attempt is about to be sent (after
     * admission): a caller that stops early can tell calls still waiting (safe to cancel) from calls
     * already at the provider.
     */
    public CallOptions withOnSend(Runnable onSend) {
        return new CallOptions(apiKey, priority, deadline, headers, Objects.requireNonNull(onSend, "onSend"), declineReason, clientRetries);
    }

    /**
     * The same options with {@code reason} asked after admission and before each attempt is sent: a
     * non-null answer means "do not send it after all" (a run that is stopping), and the call ends with
     * {@link dev.pacer.AttemptDeclined}, nothing of it sent or counted. Must be quick.
     */
    public CallOptions withDeclineReason(Supplier<String> reason) {
        return new CallOptions(apiKey, priority, deadline, headers, onSend, Objects.requireNonNull(reason, "declineReason"), clientRetries);
    }

    /** The same options without the hooks: for a call made on this call's behalf (its {@code count_tokens}). */
    CallOptions withoutHooks() {
        return new CallOptions(apiKey, priority, deadline, headers, null, null, clientRetries);
    }

    /**
     * The call as the caller's {@code count}-th retry of its own (the official SDKs send the count as
     * {@code X-Stainless-Retry-Count}); 0, the default, for a new call. Such a call is counted as a retry
     * (in the retry metrics, reason {@code client_retry}, and the retry budget), not as new demand.
     */
    public CallOptions withClientRetries(int count) {
        if (count < 0) {
            throw new IllegalArgumentException("A call's client retries must be 0 or more, not " + count + ".");
        }
        return new CallOptions(apiKey, priority, deadline, headers, onSend, declineReason, count);
    }

    /** How many times the caller had sent this call before (0 for a new one). */
    public int clientRetries() {
        return clientRetries;
    }

    /** The API key, or null for the client's. */
    public ApiKey apiKey() {
        return apiKey;
    }

    /** The admission class. */
    public Priority priority() {
        return priority;
    }

    /** The deadline, or null. */
    public Instant deadline() {
        return deadline;
    }

    /** The extra request headers by lower-case name, in the order given. */
    public Map<String, String> headers() {
        return headers;
    }

    /** Run before each attempt is sent, or null. */
    public Runnable onSend() {
        return onSend;
    }

    /** Asked before each attempt is sent, or null. */
    public Supplier<String> declineReason() {
        return declineReason;
    }

    private static String clip(String s) {
        String t = s.replaceAll("[^\\x20-\\x7e]", "?");
        return t.length() > 40 ? t.substring(0, 40) + "..." : t;
    }

    /** Never the key, nor header values (a caller may put a token there). */
    @Override
    public String toString() {
        return "CallOptions[apiKey=" + (apiKey == null ? "the client's" : apiKey) + ", priority=" + priority + ", deadline=" + deadline
                + ", headers=" + headers.keySet() + "]";
    }
}
