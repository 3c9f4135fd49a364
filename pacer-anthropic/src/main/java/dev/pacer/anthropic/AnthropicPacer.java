package dev.pacer.anthropic;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pacer.Attempt;
import dev.pacer.CallResult;
import dev.pacer.CallSpec;
import dev.pacer.Pacer;
import dev.pacer.anthropic.internal.CallHooks;
import dev.pacer.anthropic.internal.EndpointPacing;
import dev.pacer.anthropic.internal.HttpTransport;
import dev.pacer.anthropic.internal.Json;
import dev.pacer.anthropic.internal.LastAnswer;
import dev.pacer.anthropic.internal.TransportFailures;
import dev.pacer.quota.Priority;
import dev.pacer.quota.QuotaKey;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Consumer;
import java.util.function.LongFunction;

/**
 * Claude through Pacer, without the SDK: sends requests with {@link AnthropicHttp} under a
 * {@link Pacer}, which paces them to the quota, retries, calibrates from the rate-limit headers and
 * falls back to other models. What a request becomes and how its answer is read is the Anthropic
 * pipeline ({@link AnthropicCalls}, {@link AnthropicResponses}), shared with the SDK adapter; this
 * class sends it. The batch runner is built on it, and a gateway can be.
 *
 * <pre>{@code
 * AnthropicPacer claude = AnthropicPacer.builder()
 *     .apiKey(System.getenv("ANTHROPIC_API_KEY"))
 *     .fallbackModels(List.of("claude-haiku-4-5"))
 *     .build();
 * AnthropicPacer.Reply reply = claude.messages(params, Priority.BULK, null).join();
 * try (MessageStream stream = claude.stream(params, Priority.INTERACTIVE, null).join()) {
 *     for (SseReader.Event e; (e = stream.next()) != null; ) { ... }
 * }
 * EndpointReply batch = claude.send(EndpointRequest.get("/v1/messages/batches/" + id), CallOptions.defaults()).join();
 * }</pre>
 *
 * Each call may bring its own API key and headers ({@link CallOptions}); its pools are that key's
 * until its answers show its organization and workspace, and from then on those of the first key that
 * showed the same pair ({@link AnthropicCalls#heard}): keys of one organization are paced as one quota.
 * Quota keys are {@code anthropic:<key fingerprint>:<pool>} ({@link AnthropicQuotaKeys}): the key
 * itself is never part of a name, an event or a message. Other providers' models may end the chain
 * ({@link Builder#fallback}, e.g. pacer-openai's {@code OpenAiFallback}): they answer in the Anthropic
 * shape, and {@link Reply#model()} names the model that answered.
 *
 * <p>Over 400 lines because it is the one client that sends every kind of call (messages, streams,
 * endpoints, counts, and {@link #relay} for a gateway) and its builder; each method only wires the shared
 * pipeline ({@link AnthropicCalls}, {@link MessagesRoute}) to {@link AnthropicHttp}, and splitting them
 * would scatter that wiring.
 */
public final class AnthropicPacer implements AutoCloseable {

    private final AnthropicHttp http;
    private final boolean ownsHttp;
    private final Pacer pacer;
    private final AnthropicCalls calls;
    private final ApiKey defaultKey;
    private final Executor executor;
    private final ExecutorService ownedExecutor;
    private final List<MessagesFallback> fallbacks;

    private AnthropicPacer(Builder b) {
        if (b.http != null) {
            this.http = b.http;
        } else {
            AnthropicHttp.Builder hb = AnthropicHttp.builder().baseUrl(b.baseUrl);
            if (b.apiKey != null) {
                hb.apiKey(b.apiKey.secret());
            }
            this.http = hb.build();
        }
        this.ownsHttp = b.http == null;
        this.pacer = b.pacer != null ? b.pacer : Pacer.builder().build();
        this.calls = b.calls.clock(pacer.clock()).quotas(pacer.quotas()).build();
        // The key the client really sends: a shared AnthropicHttp passed without apiKey(...) must not
        // put every such client's calls into one pool.
        this.defaultKey = http.defaultKey() != null ? http.defaultKey() : b.apiKey;
        this.ownedExecutor = b.executor == null ? Executors.newVirtualThreadPerTaskExecutor() : null;
        this.executor = b.executor != null ? b.executor : ownedExecutor;
        this.fallbacks = List.copyOf(b.fallbacks);
    }

    /** A builder. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * What a successful call returned.
     *
     * @param message  the response body (a Message)
     * @param model    the model that answered (differs from the request's after a fallback)
     * @param usage    its usage
     * @param call     the engine's account of the call: attempts, skipped targets, time queued
     */
    public record Reply(JsonNode message, String model, Usage usage, CallResult<JsonNode> call) {
    }

    /** The engine this client paces with. */
    public Pacer pacer() {
        return pacer;
    }

    /** The pipeline this client's requests go through. */
    public AnthropicCalls calls() {
        return calls;
    }

    /** The estimator (its learned corrections are per model class). */
    public TokenEstimator estimator() {
        return calls.estimator();
    }

    /** The other providers' targets the chains end with ({@link Builder#fallback}), in order. */
    public List<MessagesFallback> fallbacks() {
        return fallbacks;
    }

    /** The model classes table. */
    public ModelClasses modelClasses() {
        return calls.modelClasses();
    }

    /** The quota key a model draws from with this client's key (the shared one once the key's organization is known). */
    public QuotaKey quotaKey(String model) {
        return calls.target(key(CallOptions.defaults()), model).quotaKey();
    }

    /** The quota key a model draws from with {@code key}. */
    public QuotaKey quotaKey(ApiKey key, String model) {
        return calls.target(key, model).quotaKey();
    }

    /**
     * Sends a Messages request (non-streaming) through the engine. The future fails with a
     * {@link dev.pacer.PacerException} — {@link dev.pacer.CallFailed} carrying the provider's
     * outcome, or {@link dev.pacer.QuotaWaitExceeded} when the deadline cannot be met.
     */
    public CompletableFuture<Reply> messages(ObjectNode params, Priority priority, Instant deadline) {
        return messages(params, CallOptions.defaults().withPriority(priority == null ? Priority.NORMAL : priority).withDeadline(deadline));
    }

    /**
     * As {@link #messages(ObjectNode, Priority, Instant)}, calling {@code onSend} each time an
     * attempt is about to be sent (after admission): a caller that stops early can tell calls
     * still waiting (safe to cancel) from calls already at the provider (to be let finish).
     */
    public CompletableFuture<Reply> messages(ObjectNode params, Priority priority, Instant deadline, Runnable onSend) {
        return messages(params, CallOptions.defaults().withPriority(priority == null ? Priority.NORMAL : priority).withDeadline(deadline)
                .withOnSend(onSend));
    }

    /** Sends a Messages request (non-streaming) as {@code options} say: key, priority, deadline, headers, hooks. */
    public CompletableFuture<Reply> messages(ObjectNode params, CallOptions options) {
        Objects.requireNonNull(params, "params");
        ObjectNode request = params.deepCopy();
        request.remove("stream");
        return counted(request, options, counted -> {
            MessagesCall call = calls.messages(key(options), request, options.priority(), options.deadline(), counted);
            MessagesRoute route = MessagesRoute.of(call, fallbacks);
            Attempt<JsonNode> attempt = ctx -> http.send(new AnthropicHttp.Request("POST", "/v1/messages", call.body(ctx.target()),
                            call.apiKey(), options.headers(), AnthropicHttp.timeoutFor(call.maxTokens(), false)))
                    .handle((response, error) -> {
                        if (error != null) {
                            return TransportFailures.<JsonNode>failedAttempt(EndpointPacing.unwrap(error));
                        }
                        calls.heard(call.apiKey(), response::header);
                        return calls.responses().message(call, ctx.target(), response.status(), response::header, response.body());
                    });
            return pacer.execute(route.spec().withClientRetries(options.clientRetries()), calls.attempt(CallHooks.around(route.attempt(attempt, (other, ctx) -> other.send(call, ctx)),
                            options.declineReason(), options.onSend())))
                    .thenApply(r -> new Reply(r.value(), r.target().model(), Usage.of(r.value().path("usage")), r));
        });
    }

    /**
     * Sends a streaming Messages request through the engine. The future completes with the stream
     * once its first event has arrived: until then the call is retried and falls back like any other
     * (a 429, a 529, a reset, or an {@code event: error} before any other event), and from then on
     * the stream is the caller's. Read it with {@link MessageStream#next()} to its end, or close it:
     * it holds its reservation and concurrency slot until then, and settles from its final usage (or
     * what was seen). A stream that breaks off later throws {@link StreamFailed} from {@code next()}.
     * The future fails as {@link #messages} does.
     *
     * <pre>{@code
     * try (MessageStream stream = claude.stream(params, Priority.INTERACTIVE, null).join()) {
     *     for (SseReader.Event e; (e = stream.next()) != null; ) {
     *         // e.name(): message_start, content_block_delta, ...; e.data(): its JSON
     *     }
     * }
     * }</pre>
     */
    public CompletableFuture<MessageStream> stream(ObjectNode params, Priority priority, Instant deadline) {
        return stream(params, CallOptions.defaults().withPriority(priority == null ? Priority.NORMAL : priority).withDeadline(deadline));
    }

    /** As {@link #stream(ObjectNode, Priority, Instant)}, as {@code options} say. */
    public CompletableFuture<MessageStream> stream(ObjectNode params, CallOptions options) {
        Objects.requireNonNull(params, "params");
        ObjectNode request = params.deepCopy();
        request.put("stream", true);
        CompletableFuture<MessageStream> out = new CompletableFuture<>();
        counted(request, options, counted -> {
            MessagesCall call = calls.messages(key(options), request, options.priority(), options.deadline(), counted);
            MessagesRoute route = MessagesRoute.of(call, fallbacks);
            Attempt<MessageStream> attempt = route.attempt(new StreamAttempt(http, calls, executor, call, options.headers()),
                    (other, ctx) -> other.stream(call, ctx, executor));
            return pacer.execute(route.spec().withClientRetries(options.clientRetries()), calls.attempt(CallHooks.around(attempt, options.declineReason(), options.onSend())));
        }).whenComplete((r, error) -> {
            if (error != null) {
                out.completeExceptionally(EndpointPacing.unwrap(error));
                return;
            }
            MessageStream stream = r.value();
            stream.attach(r);
            if (!out.complete(stream)) {
                stream.close(); // the caller gave up (cancelled) before the stream began: give the slot back
            }
        });
        return out;
    }

    /**
     * Sends a Messages request whose bytes a caller gave ({@code body}, parsed as {@code params}) through
     * the engine, and hands back the provider's answer as it is, for a relay (the gateway): paced,
     * retried and fallen back from like {@link #messages} and {@link #stream} (the request's own model
     * is sent exactly {@code body}), but what ends the call is returned rather than read: a stream once
     * its first event has arrived, a Message with its status and headers, or the provider's last refusal
     * (its status, headers and body) when every attempt failed. The future fails only when no answer
     * came: {@link dev.pacer.QuotaWaitExceeded} when the deadline cannot be met,
     * {@link dev.pacer.CapacityExceeded}, {@link dev.pacer.CallFailed} after transport failures.
     *
     * @param params the request ({@code stream: true} streams)
     * @param body   its bytes as the caller sent them
     */
    public CompletableFuture<MessagesReply> relay(ObjectNode params, byte[] body, CallOptions options) {
        Objects.requireNonNull(params, "params");
        Objects.requireNonNull(body, "body");
        boolean streaming = params.path("stream").asBoolean(false);
        LastAnswer<AnthropicHttp.Response> last = new LastAnswer<>();
        return counted(params, options, counted -> {
            MessagesCall call = calls.messages(key(options), params, body, options.priority(), options.deadline(), counted);
            Attempt<Object> attempt = streaming
                    ? widen(new StreamAttempt(http, calls, executor, call, options.headers(), last))
                    : ctx -> http.send(new AnthropicHttp.Request("POST", "/v1/messages", call.body(ctx.target()), call.apiKey(),
                                    options.headers(), AnthropicHttp.timeoutFor(call.maxTokens(), false)))
                            .handle((response, error) -> {
                                if (error != null) {
                                    Throwable cause = EndpointPacing.unwrap(error);
                                    last.failedInTransit(cause);
                                    return TransportFailures.failedAttempt(cause);
                                }
                                calls.heard(call.apiKey(), response::header);
                                dev.pacer.AttemptResult<JsonNode> read = calls.responses().message(call, ctx.target(), response.status(),
                                        response::header, response.body());
                                if (!read.outcome().isSuccess()) {
                                    last.answered(response, read.outcome());
                                    return dev.pacer.AttemptResult.failure(read.outcome(), read.usage());
                                }
                                return dev.pacer.AttemptResult.success(read.outcome(), (Object) response, read.usage());
                            });
            // Other providers' models after the Anthropic ones answer in the Anthropic shape: a stream, or a Message.
            MessagesRoute route = MessagesRoute.of(call, fallbacks);
            Attempt<Object> routed = route.attempt(attempt, (other, ctx) -> streaming
                    ? other.stream(call, ctx, executor).thenApply(AnthropicPacer::widened)
                    : other.send(call, ctx).thenApply(AnthropicPacer::widened));
            return pacer.execute(route.spec().withClientRetries(options.clientRetries()), calls.attempt(CallHooks.around(routed, options.declineReason(), options.onSend())))
                    .handle((r, error) -> relayed(r, error, last, params.path("model").asText()));
        });
    }

    private static <T> dev.pacer.AttemptResult<Object> widened(dev.pacer.AttemptResult<T> r) {
        return new dev.pacer.AttemptResult<>(r.outcome(), r.value(), r.usage(), r.completion());
    }

    /** What {@link #relay} hands back for a call that ended with {@code r} or {@code error}. */
    private static MessagesReply relayed(CallResult<Object> r, Throwable error, LastAnswer<AnthropicHttp.Response> last, String model) {
        if (error == null) {
            if (r.value() instanceof MessageStream stream) {
                @SuppressWarnings("unchecked")
                CallResult<MessageStream> opened = (CallResult<MessageStream>) (CallResult<?>) r;
                stream.attach(opened);
                return new MessagesReply(stream, null, r.target().model(), r.attempts(), r.queued());
            }
            if (r.value() instanceof JsonNode message) { // another provider's answer, translated
                byte[] bytes = message.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8);
                java.net.http.HttpHeaders json = java.net.http.HttpHeaders.of(
                        java.util.Map.of("content-type", java.util.List.of("application/json")), (n, v) -> true);
                return new MessagesReply(null, new EndpointReply(200, json, new java.io.ByteArrayInputStream(bytes), r.outcome()),
                        r.target().model(), r.attempts(), r.queued());
            }
            AnthropicHttp.Response whole = (AnthropicHttp.Response) r.value();
            return new MessagesReply(null, new EndpointReply(whole.status(), whole.headers(), new java.io.ByteArrayInputStream(whole.body()),
                    r.outcome()), r.target().model(), r.attempts(), r.queued());
        }
        Throwable cause = EndpointPacing.unwrap(error);
        AnthropicHttp.Response refusal = last.answer();
        if (cause instanceof dev.pacer.CallFailed failed && refusal != null) {
            return new MessagesReply(null, new EndpointReply(refusal.status(), refusal.headers(),
                    new java.io.ByteArrayInputStream(refusal.body()), last.outcome()), model, failed.attempts(), Duration.ZERO);
        }
        throw cause instanceof RuntimeException e ? e : new java.util.concurrent.CompletionException(cause);
    }

    @SuppressWarnings("unchecked")
    private static Attempt<Object> widen(Attempt<? extends Object> attempt) {
        return (Attempt<Object>) attempt;
    }

    /** The body of the {@code count_tokens} request for a Messages request: the fields that endpoint takes. */
    public static ObjectNode countTokensBody(JsonNode params) {
        return AnthropicCalls.countTokensBody(params);
    }

    /**
     * Asks the provider's free {@code count_tokens} endpoint how many input tokens a request has,
     * paced against that endpoint's own request limit. Completes with -1 when it could not say
     * (the call then goes ahead on the local estimate: counting is an optimisation, never a failure).
     */
    public CompletableFuture<Long> countTokens(ObjectNode params, Priority priority, Instant deadline) {
        return countTokens(params, CallOptions.defaults().withPriority(priority == null ? Priority.NORMAL : priority).withDeadline(deadline));
    }

    /** As {@link #countTokens(ObjectNode, Priority, Instant)}, as {@code options} say. */
    public CompletableFuture<Long> countTokens(ObjectNode params, CallOptions options) {
        byte[] body;
        try {
            body = Json.bytes(countTokensBody(params));
        } catch (IllegalArgumentException e) {
            return CompletableFuture.completedFuture(-1L);
        }
        return send(EndpointRequest.post("/v1/messages/count_tokens", body).withTimeout(Duration.ofSeconds(30)), options)
                .handle((reply, error) -> {
                    if (error != null) {
                        return -1L;
                    }
                    if (!reply.isSuccess()) {
                        reply.close();
                        return -1L;
                    }
                    return AnthropicResponses.tokenCount(reply.bytes());
                });
    }

    /**
     * Sends a request to an endpoint other than Messages (the Message Batches endpoints,
     * {@code count_tokens}, models) through the engine, on the endpoint's own pool (every batch
     * endpoint on {@code batches}), retried like any call (a 429 waits for the pool, a 529 or a 5xx
     * backs off). The future completes with the answer that ended the call: a success (its body still
     * arriving), a status the request takes as it is, or the provider's last refusal (its body read);
     * it fails only when no answer came ({@link dev.pacer.CallFailed}, {@link dev.pacer.QuotaWaitExceeded}).
     */
    public CompletableFuture<EndpointReply> send(EndpointRequest request, CallOptions options) {
        Objects.requireNonNull(request, "request");
        Objects.requireNonNull(options, "options");
        ApiKey key;
        try {
            key = key(options);
        } catch (IllegalStateException e) {
            return CompletableFuture.failedFuture(e);
        }
        CallSpec spec = calls.endpoint(key, request.path(), options.priority(), options.deadline()).withClientRetries(options.clientRetries());
        LastAnswer<AnthropicHttp.Streaming> last = new LastAnswer<>();
        HttpTransport transport = new HttpTransport(http, new AnthropicHttp.Request(request.method(), request.path(), request.bodyBytes(),
                key, options.headers(), request.timeout()), header -> calls.heard(key, header));
        Attempt<AnthropicHttp.Streaming> attempt = EndpointPacing.attempt(transport, calls.responses(), request.answeredAsIs(), last);
        Attempt<AnthropicHttp.Streaming> hooked = calls.attempt(CallHooks.around(attempt, options.declineReason(), options.onSend()));
        return pacer.execute(spec, hooked).handle((result, error) -> {
            EndpointPacing.Answered<AnthropicHttp.Streaming> answered = EndpointPacing.finish(result, error, last, false);
            AnthropicHttp.Streaming s = answered.answer();
            return new EndpointReply(s.status(), s.headers(), s.body(), answered.outcome());
        });
    }

    /**
     * Runs {@code send} with the provider's count of the input when the local estimate is above the
     * threshold ({@link Builder#countTokensAbove}), else at once with -1 (the estimate is used).
     */
    private <T> CompletableFuture<T> counted(ObjectNode params, CallOptions options, LongFunction<CompletableFuture<T>> send) {
        try {
            key(options);
            if (calls.worthCounting(params)) {
                return countTokens(params, options.withoutHooks()).thenCompose(send::apply);
            }
            return send.apply(-1);
        } catch (IllegalArgumentException | IllegalStateException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /** The key of a call: its own, else this client's. */
    private ApiKey key(CallOptions options) {
        ApiKey key = options.apiKey() != null ? options.apiKey() : defaultKey;
        if (key == null) {
            throw new IllegalStateException("No API key: give the client one (AnthropicPacer.builder().apiKey) or the call"
                    + " (CallOptions.withApiKey).");
        }
        return key;
    }

    /** A short, non-reversible name for an API key, safe to print (see {@link ApiKey#fingerprint()}). */
    public static String fingerprint(String apiKey) {
        return ApiKey.fingerprint(apiKey);
    }

    @Override
    public void close() {
        if (ownsHttp) {
            http.close();
        }
        if (ownedExecutor != null) {
            ownedExecutor.shutdown(); // not close(): that would wait for streams still being read
        }
    }

    /** Builds an {@link AnthropicPacer}; the pipeline's settings are validated by {@link AnthropicCalls.Builder}. */
    public static final class Builder {
        private String baseUrl = "https://api.anthropic.com";
        private ApiKey apiKey;
        private AnthropicHttp http;
        private Pacer pacer;
        private Executor executor;
        private final AnthropicCalls.Builder calls = AnthropicCalls.builder();
        private final List<MessagesFallback> fallbacks = new java.util.ArrayList<>();

        private Builder() {
        }

        /**
         * Where a streaming attempt waits for its first event, a blocking read (default: a virtual
         * thread each). Non-streaming calls never block a thread.
         */
        public Builder executor(Executor executor) {
            this.executor = Objects.requireNonNull(executor, "executor");
            return this;
        }

        /**
         * Ask the free {@code count_tokens} endpoint for the exact input of requests whose local
         * estimate is above {@code tokens} (default 0: never). Worth it for large prompts on a tight
         * input limit: the reservation is then exact, at the price of one extra round trip, paced
         * against {@code count_tokens}' own request limit.
         */
        public Builder countTokensAbove(long tokens) {
            calls.countTokensAbove(tokens);
            return this;
        }

        /** The API's base URL (default {@code https://api.anthropic.com}). */
        public Builder baseUrl(String baseUrl) {
            this.baseUrl = baseUrl;
            return this;
        }

        /** The API key calls use unless they bring their own ({@link CallOptions#withApiKey}). */
        public Builder apiKey(String apiKey) {
            this.apiKey = ApiKey.of(apiKey);
            return this;
        }

        /** Use this HTTP client (then base URL and key are its own, and its key names the quota pools). */
        public Builder http(AnthropicHttp http) {
            this.http = http;
            return this;
        }

        /** The engine (default: {@code Pacer.builder().build()}, limits learned from headers). */
        public Builder pacer(Pacer pacer) {
            this.pacer = pacer;
            return this;
        }

        /** The model-to-pool table. */
        public Builder modelClasses(ModelClasses classes) {
            calls.modelClasses(classes);
            return this;
        }

        /** The token estimator. */
        public Builder estimator(TokenEstimator estimator) {
            calls.estimator(estimator);
            return this;
        }

        /** Models to fall back to, in order, after the request's own. */
        public Builder fallbackModels(List<String> models) {
            calls.fallbackModels(models);
            return this;
        }

        /**
         * Another provider's target to fall back to after the Anthropic models, answering in the Anthropic
         * shape (pacer-openai's {@code OpenAiFallback}); added in order, each once.
         */
        public Builder fallback(MessagesFallback fallback) {
            fallbacks.add(Objects.requireNonNull(fallback, "fallback"));
            return this;
        }

        /** The longest {@code retry-after} believed (default 10 min); a longer one is ignored, as if absent. */
        public Builder maxRetryAfter(Duration max) {
            calls.maxRetryAfter(max);
            return this;
        }

        /** Receives notes about ignored header values and unknown model ids (never a key). */
        public Builder debug(Consumer<String> debug) {
            calls.debug(debug);
            return this;
        }

        /** The client. */
        public AnthropicPacer build() {
            return new AnthropicPacer(this);
        }
    }
}
