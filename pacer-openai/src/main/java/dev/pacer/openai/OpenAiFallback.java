package dev.pacer.openai;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pacer.AttemptContext;
import dev.pacer.AttemptResult;
import dev.pacer.Pacer;
import dev.pacer.StreamInterrupted;
import dev.pacer.anthropic.MessageStream;
import dev.pacer.anthropic.MessagesCall;
import dev.pacer.anthropic.MessagesFallback;
import dev.pacer.anthropic.SseReader;
import dev.pacer.anthropic.Usage;
import dev.pacer.openai.internal.ChatClassifier;
import dev.pacer.outcome.Outcome;
import dev.pacer.outcome.OutcomeFamily;
import dev.pacer.quota.Cost;
import dev.pacer.quota.Dimension;
import dev.pacer.quota.Limit;
import dev.pacer.route.Skip;
import dev.pacer.route.SkipReason;
import dev.pacer.route.Target;
import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.WeakHashMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * An OpenAI-compatible model as the last resort of a Messages call: the request translated to Chat
 * Completions ({@link MessagesToChat}), sent with the endpoint's key, paced on its own pool
 * ({@link OpenAiQuotaKeys}, counted by {@link OpenAiQuotaModel}), and answered in the Anthropic shape
 * ({@link ChatToMessages}, and {@link ChatStreamTranslation} for a stream, event by event). A request
 * that cannot be translated faithfully passes this target over ({@link SkipReason#UNSUPPORTED}, with
 * the sentence saying why). A spent quota ({@code insufficient_quota}, {@code credit_balance_exhausted})
 * is never waited for: the call moves on, and every later call passes the target over
 * ({@link SkipReason#SPEND_CAP}) for the life of this object, the run.
 *
 * <pre>{@code
 * Pacer pacer = Pacer.builder().build();
 * AnthropicPacer claude = AnthropicPacer.builder().apiKey(anthropicKey).pacer(pacer)
 *     .fallbackModels(List.of("claude-haiku-4-5"))
 *     .fallback(OpenAiFallback.builder(OpenAiEndpoint.of("gpt-4o-mini", "https://api.openai.com/v1", openAiKey)).pacer(pacer).build())
 *     .build();
 * }</pre>
 *
 * Thread-safe; one per endpoint, shared by every call.
 */
public final class OpenAiFallback implements MessagesFallback {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final OpenAiEndpoint endpoint;
    private final Pacer pacer;
    private final Target target;
    private final HttpClient http;
    private final OpenAiResponses responses;
    private final ChatTokenEstimator estimator;
    private final Map<MessagesCall, Prepared> prepared = Collections.synchronizedMap(new WeakHashMap<>());
    private final AtomicReference<Outcome> spent = new AtomicReference<>();
    private final List<BiConsumer<Target, Usage>> usageListeners = new CopyOnWriteArrayList<>();

    /** One call's translation, made once and kept while the call lives. */
    private record Prepared(ObjectNode body, String refusal, long raw, long maxTokens) {
    }

    private OpenAiFallback(Builder b) {
        this.endpoint = b.endpoint;
        this.pacer = Objects.requireNonNull(b.pacer, "pacer: give the Pacer the calls run on (OpenAiFallback.builder(...).pacer(pacer))");
        this.target = new Target(OpenAiQuotaKeys.PROVIDER, endpoint.model(), OpenAiQuotaKeys.PROVIDER + ":" + endpoint.apiKey().fingerprint(),
                OpenAiQuotaKeys.of(endpoint), OpenAiQuotaModel.instance());
        this.http = b.http != null ? b.http : HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
        this.responses = new OpenAiResponses(b.maxRetryAfter, b.debug, pacer.clock());
        this.estimator = b.estimator;
        pacer.quotas().line(target.quotaKey(), OpenAiQuotaModel.instance());
        if (endpoint.rpm() > 0) {
            pacer.quotas().setLimit(target.quotaKey(), Dimension.REQUESTS, Limit.perMinute(endpoint.rpm()));
        }
        if (endpoint.tpm() > 0) {
            pacer.quotas().setLimit(target.quotaKey(), OpenAiQuotaModel.TOKENS, Limit.perMinute(endpoint.tpm()));
        }
    }

    /** A builder for {@code endpoint}. */
    public static Builder builder(OpenAiEndpoint endpoint) {
        return new Builder(Objects.requireNonNull(endpoint, "endpoint"));
    }

    /** The endpoint. */
    public OpenAiEndpoint endpoint() {
        return endpoint;
    }

    /** The estimator (its corrections are per model). */
    public ChatTokenEstimator estimator() {
        return estimator;
    }

    /** The outcome that spent this target for the run, or null while it is not. */
    public Outcome spentBy() {
        return spent.get();
    }

    @Override
    public Target target() {
        return target;
    }

    @Override
    public Cost cost(MessagesCall call) {
        Prepared p = prepare(call);
        long input = p.body == null ? 0 : Math.round(p.raw * estimator.correction(endpoint.model()));
        return OpenAiQuotaModel.instance().complete(Cost.requests(1, Math.max(1, input), p.maxTokens));
    }

    @Override
    public Skip passOver(MessagesCall call) {
        Outcome spentBy = spent.get();
        if (spentBy != null) {
            return new Skip(target, SkipReason.SPEND_CAP, spentBy);
        }
        Prepared p = prepare(call);
        return p.refusal == null ? null : new Skip(target, SkipReason.UNSUPPORTED, Outcome.failure(OutcomeFamily.REQUEST_ERROR,
                "the request cannot be sent to " + target.name() + " faithfully: " + p.refusal));
    }

    @Override
    public CompletionStage<AttemptResult<JsonNode>> send(MessagesCall call, AttemptContext context) {
        Prepared p = prepare(call);
        ObjectNode body = p.body.deepCopy();
        body.remove("stream");
        body.remove("stream_options");
        return http.sendAsync(request(body, timeoutFor(p.maxTokens, false)), HttpResponse.BodyHandlers.ofByteArray())
                .handle((response, error) -> error != null ? failed(error) : answered(call, p, response));
    }

    private AttemptResult<JsonNode> answered(MessagesCall call, Prepared p, HttpResponse<byte[]> response) {
        Function<String, Optional<String>> header = response.headers()::firstValue;
        Outcome outcome = classified(response.statusCode(), header, response.body());
        if (!outcome.isSuccess()) {
            return AttemptResult.failure(outcome, null);
        }
        JsonNode completion = OpenAiResponses.parse(response.body());
        ObjectNode message;
        try {
            message = ChatToMessages.message(completion, call.model());
        } catch (IllegalArgumentException e) {
            return AttemptResult.failure(responses.invalid(outcome, "The answer could not be read: " + e.getMessage(), header), null);
        }
        estimator.learn(endpoint.model(), p.raw, completion.path("usage").path("prompt_tokens").asLong(0));
        heard(Usage.of(message.path("usage")));
        return AttemptResult.success(outcome, message, OpenAiResponses.charged(completion.path("usage"), p.maxTokens));
    }

    @Override
    public CompletionStage<AttemptResult<MessageStream>> stream(MessagesCall call, AttemptContext context, Executor executor) {
        Prepared p = prepare(call);
        ObjectNode body = p.body.deepCopy();
        body.put("stream", true);
        body.putObject("stream_options").put("include_usage", true);
        Duration timeout = timeoutFor(p.maxTokens, true);
        return http.sendAsync(request(body, timeout), HttpResponse.BodyHandlers.ofInputStream())
                .handleAsync((response, error) -> error != null ? this.<MessageStream>failed(error) : opened(call, p, response, timeout),
                        executor);
    }

    private AttemptResult<MessageStream> opened(MessagesCall call, Prepared p, HttpResponse<InputStream> response, Duration timeout) {
        Function<String, Optional<String>> header = response.headers()::firstValue;
        int status = response.statusCode();
        if (status != 200) {
            byte[] bytes;
            try (InputStream in = response.body()) {
                bytes = in.readAllBytes();
            } catch (IOException e) {
                return AttemptResult.failure(responses.brokeOff(status, header, e, "the answer broke off"), null);
            }
            Outcome outcome = classified(status, header, bytes);
            return AttemptResult.failure(outcome.isSuccess() ? responses.invalid(outcome, "The answer to a streaming request was not a"
                    + " stream", header) : outcome, null);
        }
        Outcome accepted = responses.classify(200, header, null);
        ChatStreamTranslation translation = new ChatStreamTranslation(response.body(), call.model());
        InputStream events = translation.events();
        SseReader reader = new SseReader(events);
        SseReader.Event first;
        try {
            first = reader.next();
        } catch (IOException e) {
            closeQuietly(events);
            return AttemptResult.failure(responses.brokeOff(200, header, e, "the stream broke off before its first event"), null);
        }
        if (first == null || "error".equals(first.name())) {
            closeQuietly(events);
            String what = first == null ? "the stream ended before its first event"
                    : "the stream began with an error: " + ChatClassifier.safe(first.data());
            return AttemptResult.failure(new Outcome(first == null ? OutcomeFamily.CONNECTION_FAILURE : OutcomeFamily.SERVER_ERROR, 200,
                    null, ChatClassifier.withRequestId(what, header.apply("x-request-id").orElse(null)), null, accepted.hints(),
                    accepted.snapshot()), null);
        }
        CompletableFuture<Cost> ended = new CompletableFuture<>();
        MessageStream stream = MessageStream.started(target.model(), header.apply("x-request-id").orElse(null), reader, events, first,
                pacer.quotas().scheduler(), timeout, (usage, complete, brokeOff) -> {
                    Cost cost = streamCost(p, translation.usage(), usage);
                    heard(usage);
                    if (brokeOff != null) {
                        ended.completeExceptionally(new StreamInterrupted(brokeOff, cost));
                    } else {
                        ended.complete(cost);
                    }
                });
        return AttemptResult.streaming(accepted, stream, ended);
    }

    @Override
    public void addUsageListener(BiConsumer<Target, Usage> listener) {
        usageListeners.add(Objects.requireNonNull(listener, "listener"));
    }

    @Override
    public void removeUsageListener(BiConsumer<Target, Usage> listener) {
        usageListeners.remove(listener);
    }

    /** The usage of an answer (a stream's as its events showed it, broken off or not) to the listeners. */
    private void heard(Usage usage) {
        for (BiConsumer<Target, Usage> listener : usageListeners) {
            try {
                listener.accept(target, usage);
            } catch (RuntimeException ignored) {
                // A listener must never break a call.
            }
        }
    }

    /** A stream's cost: its own usage when it reported one (and then the estimator learns), else what its events showed. */
    private Cost streamCost(Prepared p, JsonNode chatUsage, Usage seen) {
        if (chatUsage != null) {
            estimator.learn(endpoint.model(), p.raw, chatUsage.path("prompt_tokens").asLong(0));
            return OpenAiResponses.charged(chatUsage, p.maxTokens);
        }
        long input = Math.round(p.raw * estimator.correction(endpoint.model()));
        return OpenAiQuotaModel.instance().complete(Cost.requests(1, Math.max(input, seen.totalInput()), p.maxTokens));
    }

    private Outcome classified(int status, Function<String, Optional<String>> header, byte[] body) {
        Outcome outcome = responses.classify(status, header, body);
        if (outcome.family() == OutcomeFamily.SPEND_CAP) {
            spent.compareAndSet(null, outcome);
        }
        return outcome;
    }

    private <T> AttemptResult<T> failed(Throwable error) {
        Outcome outcome = OpenAiResponses.transportFailure(error);
        if (outcome == null) {
            throw new IllegalStateException("The attempt on " + target.name() + " failed: " + error, error);
        }
        return AttemptResult.failure(outcome, null);
    }

    private HttpRequest request(ObjectNode body, Duration timeout) {
        byte[] bytes;
        try {
            bytes = JSON.writeValueAsBytes(body);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("A translated request could not be written as JSON", e);
        }
        return HttpRequest.newBuilder(endpoint.chatCompletions()).timeout(timeout)
                .header("authorization", "Bearer " + endpoint.apiKey().secret())
                .header("content-type", "application/json")
                .header("accept", body.path("stream").asBoolean(false) ? "text/event-stream" : "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(bytes)).build();
    }

    private Prepared prepare(MessagesCall call) {
        Prepared known = prepared.get(call);
        if (known != null) {
            return known;
        }
        MessagesToChat.Translation t = MessagesToChat.translate(call.params(), endpoint.model());
        Prepared made = t.translated() ? new Prepared(t.body(), null, estimator.raw(t.body()), call.maxTokens())
                : new Prepared(null, t.refusal(), 0, call.maxTokens());
        prepared.put(call, made);
        return made;
    }

    /** As the SDKs: a minute plus what {@code max_tokens} could take to generate, at most 10 minutes. */
    static Duration timeoutFor(long maxTokens, boolean streaming) {
        long seconds = 60 + maxTokens / (streaming ? 50 : 30);
        return Duration.ofSeconds(Math.min(600, seconds));
    }

    private static void closeQuietly(InputStream in) {
        try {
            in.close();
        } catch (IOException ignored) {
            // nobody reads it any more
        }
    }

    @Override
    public String toString() {
        return "OpenAiFallback[" + endpoint + "]";
    }

    /** Builds an {@link OpenAiFallback}; each setting is validated when set. */
    public static final class Builder {
        private final OpenAiEndpoint endpoint;
        private Pacer pacer;
        private HttpClient http;
        private ChatTokenEstimator estimator = ChatTokenEstimator.create();
        private Duration maxRetryAfter = Duration.ofMinutes(10);
        private Consumer<String> debug = note -> { };

        private Builder(OpenAiEndpoint endpoint) {
            this.endpoint = endpoint;
        }

        /** The engine the calls run on (required): its clock times the snapshots, its quotas hold the configured limits. */
        public Builder pacer(Pacer pacer) {
            this.pacer = Objects.requireNonNull(pacer, "pacer");
            return this;
        }

        /** The HTTP client (default: a new {@code java.net.http} client, HTTP/2 when offered). */
        public Builder http(HttpClient http) {
            this.http = Objects.requireNonNull(http, "http");
            return this;
        }

        /** The estimator (default a new one). */
        public Builder estimator(ChatTokenEstimator estimator) {
            this.estimator = Objects.requireNonNull(estimator, "estimator");
            return this;
        }

        /** The longest server delay believed, 0 to 1 day (default 10 min); a longer one is ignored. */
        public Builder maxRetryAfter(Duration max) {
            Objects.requireNonNull(max, "maxRetryAfter");
            if (max.isNegative() || max.compareTo(Duration.ofDays(1)) > 0) {
                throw new IllegalArgumentException("maxRetryAfter must be between 0 and 1 day, not " + max + ".");
            }
            this.maxRetryAfter = max;
            return this;
        }

        /** Hears notes about ignored header values (never a key). */
        public Builder debug(Consumer<String> debug) {
            this.debug = Objects.requireNonNull(debug, "debug");
            return this;
        }

        /** The fallback. */
        public OpenAiFallback build() {
            return new OpenAiFallback(this);
        }
    }
}
