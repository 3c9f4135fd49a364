package dev.pacer.anthropic;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pacer.AttemptContext;
import dev.pacer.AttemptResult;
import dev.pacer.CallResult;
import dev.pacer.CallSpec;
import dev.pacer.Pacer;
import dev.pacer.StreamInterrupted;
import dev.pacer.outcome.Outcome;
import dev.pacer.outcome.OutcomeFamily;
import dev.pacer.outcome.RetryHints;
import dev.pacer.quota.Cost;
import dev.pacer.quota.Priority;
import dev.pacer.quota.QuotaKey;
import dev.pacer.quota.RateLimitSnapshot;
import dev.pacer.route.Route;
import dev.pacer.route.Target;
import dev.pacer.time.ScheduledTask;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Consumer;
import java.util.function.LongFunction;

/**
 * Claude through Pacer, without the SDK: sends Messages requests with {@link AnthropicHttp} under
 * a {@link Pacer}, which paces them to the quota, retries, calibrates from the rate-limit headers
 * and falls back to other models. The gateway and the batch runner are built on it.
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
 * }</pre>
 *
 * Quota keys are {@code anthropic:<key fingerprint>:<model class>}: the key itself is never part
 * of a name, an event or a message.
 */
public final class AnthropicPacer implements AutoCloseable {

    static final ObjectMapper JSON = new ObjectMapper();

    private final AnthropicHttp http;
    private final boolean ownsHttp;
    private final Pacer pacer;
    private final ModelClasses classes;
    private final TokenEstimator estimator;
    private final RateLimitHeaders headers;
    private final List<String> fallbackModels;
    private final String keyFingerprint;
    private final long countTokensAbove;
    private final Map<String, Target> targets = new ConcurrentHashMap<>();
    private final Consumer<String> debug;
    private final Executor executor;
    private final ExecutorService ownedExecutor;

    private AnthropicPacer(Builder b) {
        this.http = b.http != null ? b.http : AnthropicHttp.builder().baseUrl(b.baseUrl).apiKey(b.apiKey).build();
        this.ownsHttp = b.http == null;
        this.pacer = b.pacer != null ? b.pacer : Pacer.builder().build();
        this.classes = b.classes;
        this.estimator = b.estimator;
        this.headers = new RateLimitHeaders(b.maxRetryAfter, b.debug);
        this.debug = b.debug;
        this.fallbackModels = List.copyOf(b.fallbackModels);
        // The key the client really sends: a shared AnthropicHttp passed without apiKey(...) must not
        // put every such client's calls into one pool.
        this.keyFingerprint = http.keyFingerprint();
        this.countTokensAbove = b.countTokensAbove;
        this.ownedExecutor = b.executor == null ? Executors.newVirtualThreadPerTaskExecutor() : null;
        this.executor = b.executor != null ? b.executor : ownedExecutor;
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

    /** The estimator (its learned corrections are per model class). */
    public TokenEstimator estimator() {
        return estimator;
    }

    /** The model classes table. */
    public ModelClasses modelClasses() {
        return classes;
    }

    /** The quota key a model draws from. */
    public QuotaKey quotaKey(String model) {
        return target(model).quotaKey();
    }

    /**
     * Sends a Messages request (non-streaming) through the engine. The future fails with a
     * {@link dev.pacer.PacerException} — {@link dev.pacer.CallFailed} carrying the provider's
     * outcome, or {@link dev.pacer.QuotaWaitExceeded} when the deadline cannot be met.
     */
    public CompletableFuture<Reply> messages(ObjectNode params, Priority priority, Instant deadline) {
        return messages(params, priority, deadline, () -> { });
    }

    /**
     * As {@link #messages(ObjectNode, Priority, Instant)}, calling {@code onSend} each time an
     * attempt is about to be sent (after admission): a caller that stops early can tell calls
     * still waiting (safe to cancel) from calls already at the provider (to be let finish).
     */
    public CompletableFuture<Reply> messages(ObjectNode params, Priority priority, Instant deadline, Runnable onSend) {
        Objects.requireNonNull(params, "params");
        String model = params.path("model").asText("");
        if (model.isEmpty()) {
            return CompletableFuture.failedFuture(new IllegalArgumentException("The request has no model; set params.model."));
        }
        return counted(params, model, priority, deadline, counted -> {
            Map<Target, TokenEstimator.Estimate> estimates = new ConcurrentHashMap<>();
            return pacer.execute(spec(params, model, priority, deadline, counted, estimates), ctx -> {
                        onSend.run();
                        return attempt(ctx, params, estimates.get(ctx.target()));
                    })
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
        Objects.requireNonNull(params, "params");
        String model = params.path("model").asText("");
        if (model.isEmpty()) {
            return CompletableFuture.failedFuture(new IllegalArgumentException("The request has no model; set params.model."));
        }
        CompletableFuture<MessageStream> out = new CompletableFuture<>();
        counted(params, model, priority, deadline, counted -> {
            Map<Target, TokenEstimator.Estimate> estimates = new ConcurrentHashMap<>();
            return pacer.execute(spec(params, model, priority, deadline, counted, estimates),
                    ctx -> streamAttempt(ctx, params, estimates.get(ctx.target())));
        }).whenComplete((r, error) -> {
            if (error != null) {
                out.completeExceptionally(unwrap(error));
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

    /** The body of the {@code count_tokens} request for a Messages request: the fields that endpoint takes. */
    public static ObjectNode countTokensBody(JsonNode params) {
        ObjectNode body = JSON.createObjectNode();
        for (String field : new String[] {"model", "messages", "system", "tools", "tool_choice", "thinking"}) {
            if (params.has(field)) {
                body.set(field, params.get(field));
            }
        }
        return body;
    }

    /**
     * Runs {@code send} with the provider's count of the input when the local estimate is above the
     * threshold ({@link Builder#countTokensAbove}), else at once with -1 (the estimate is used).
     */
    private <T> CompletableFuture<T> counted(ObjectNode params, String model, Priority priority, Instant deadline,
                                             LongFunction<CompletableFuture<T>> send) {
        if (countTokensAbove > 0 && estimator.estimate(classes.classOf(model), params).inputTokens() > countTokensAbove) {
            return countTokens(params, priority, deadline).thenCompose(send::apply);
        }
        return send.apply(-1);
    }

    /**
     * Asks the provider's free {@code count_tokens} endpoint how many input tokens a request has,
     * paced against that endpoint's own request limit. Completes with -1 when it could not say
     * (the call then goes ahead on the local estimate: counting is an optimisation, never a failure).
     */
    public CompletableFuture<Long> countTokens(ObjectNode params, Priority priority, Instant deadline) {
        String model = params.path("model").asText("");
        ObjectNode body = countTokensBody(params);
        byte[] bytes;
        try {
            bytes = JSON.writeValueAsBytes(body);
        } catch (IOException e) {
            return CompletableFuture.completedFuture(-1L);
        }
        Target target = targets.computeIfAbsent("count_tokens|" + model, k -> Target.of("anthropic", model,
                QuotaKey.of("anthropic:" + keyFingerprint + ":count_tokens")));
        CallSpec spec = CallSpec.builder().route(Route.of(target)).priority(priority).deadline(deadline)
                .cost(Cost.requests(1, 0, 0)).build();
        return pacer.execute(spec, ctx -> http.post("/v1/messages/count_tokens", bytes, Duration.ofSeconds(30)).thenApply(response -> {
                    Instant now = pacer.clock().instant();
                    RateLimitSnapshot snapshot = headers.snapshot(response::header, now);
                    RetryHints hints = headers.hints(response::header, now);
                    JsonNode json = parse(response.body());
                    String requestId = response.header("request-id").orElse(null);
                    Outcome outcome = Classifier.classify(response.status(), json, hints, snapshot, now, requestId);
                    if (outcome.isSuccess() && (json == null || !json.path("input_tokens").canConvertToLong())) {
                        outcome = Classifier.invalidResponse(response.status(), "The response was not a token count", hints, snapshot,
                                requestId);
                    }
                    return outcome.isSuccess()
                            ? AttemptResult.success(outcome, json.path("input_tokens").asLong(), Cost.requests(1, 0, 0))
                            : AttemptResult.<Long>failure(outcome, null);
                }))
                .handle((r, error) -> error == null && r.value() != null && r.value() > 0 ? r.value() : -1L);
    }

    /** The call: the request's model then the fallbacks, each estimated at admission (and again at the head of its line). */
    private CallSpec spec(ObjectNode params, String model, Priority priority, Instant deadline, long countedInput,
                          Map<Target, TokenEstimator.Estimate> estimates) {
        List<Target> route = new ArrayList<>();
        route.add(target(model));
        for (String fallback : fallbackModels) {
            if (!fallback.equals(model)) {
                route.add(target(fallback));
            }
        }
        long maxTokens = Math.max(1, params.path("max_tokens").asLong(4096));
        return CallSpec.builder().route(new Route(route)).priority(priority).deadline(deadline)
                .cost(t -> {
                    // Called at admission and again while the call waits at the head of its line: the
                    // estimate follows what has been learned since the call was queued.
                    String modelClass = classes.classOf(t.model());
                    TokenEstimator.Estimate e = estimates.compute(t, (x, previous) -> previous != null
                            ? estimator.refresh(modelClass, previous, maxTokens)
                            : countedInput > 0 && t.model().equals(model)
                                    ? estimator.estimate(modelClass, params).withCountedInput(countedInput)
                                    : estimator.estimate(modelClass, params));
                    return Usage.costOf(e.inputTokens(), e.outputTokens());
                }).build();
    }

    private CompletionStage<AttemptResult<JsonNode>> attempt(AttemptContext ctx, ObjectNode params, TokenEstimator.Estimate estimate) {
        String model = ctx.target().model();
        byte[] bytes;
        try {
            bytes = body(params, model, false);
        } catch (IllegalArgumentException e) {
            return CompletableFuture.failedFuture(e);
        }
        long maxTokens = params.path("max_tokens").asLong(4096);
        return http.post("/v1/messages", bytes, AnthropicHttp.timeoutFor(maxTokens, false))
                .thenApply(response -> result(response, model, estimate, maxTokens));
    }

    /** The request body for one attempt: the caller's params with the target's model, streaming or not. */
    private static byte[] body(ObjectNode params, String model, boolean stream) {
        ObjectNode body = params.deepCopy();
        body.put("model", model);
        if (stream) {
            body.put("stream", true);
        } else {
            body.remove("stream");
        }
        try {
            return JSON.writeValueAsBytes(body);
        } catch (IOException e) {
            throw new IllegalArgumentException("The request cannot be serialized: " + e.getMessage(), e);
        }
    }

    private AttemptResult<JsonNode> result(AnthropicHttp.Response response, String model, TokenEstimator.Estimate estimate,
                                           long maxTokens) {
        Instant now = pacer.clock().instant();
        RateLimitSnapshot snapshot = headers.snapshot(response::header, now);
        RetryHints hints = headers.hints(response::header, now);
        JsonNode json = parse(response.body());
        String requestId = response.header("request-id").orElse(null);
        Outcome outcome = Classifier.classify(response.status(), json, hints, snapshot, now, requestId);
        if (!outcome.isSuccess()) {
            return AttemptResult.failure(outcome, null);
        }
        if (json == null || !json.has("usage")) {
            // A 200 that is not a Message: the server misbehaved; treat it as a server error.
            return AttemptResult.failure(Classifier.invalidResponse(response.status(), "The response was not a Message", hints, snapshot,
                    requestId), null);
        }
        String modelClass = classes.classOf(model);
        Usage usage = Usage.of(json.path("usage")).plausible(maxTokens);
        if (estimate != null) {
            estimator.learn(modelClass, estimate, usage.totalInput(), usage.output(), maxTokens);
        }
        return AttemptResult.success(outcome, json, usage.cost(classes.countsCacheReads(modelClass)));
    }

    /**
     * One streaming attempt: sent with {@code stream: true}, and committed only once its first event
     * has arrived, so that everything before (an error status, a reset, a stall until the timeout, an
     * {@code event: error} first) is an ordinary failed attempt the engine retries or falls back from.
     * Reading that event blocks, so it runs on the executor (virtual threads by default).
     */
    private CompletionStage<AttemptResult<MessageStream>> streamAttempt(AttemptContext ctx, ObjectNode params,
                                                                        TokenEstimator.Estimate estimate) {
        String model = ctx.target().model();
        byte[] bytes;
        try {
            bytes = body(params, model, true);
        } catch (IllegalArgumentException e) {
            return CompletableFuture.failedFuture(e);
        }
        long maxTokens = params.path("max_tokens").asLong(4096);
        Duration timeout = AnthropicHttp.timeoutFor(maxTokens, true);
        return http.postStreaming("/v1/messages", bytes, timeout)
                .thenApplyAsync(response -> open(response, model, estimate, maxTokens, timeout), executor);
    }

    private AttemptResult<MessageStream> open(AnthropicHttp.Streaming response, String model, TokenEstimator.Estimate estimate,
                                              long maxTokens, Duration timeout) {
        Instant now = pacer.clock().instant();
        RateLimitSnapshot snapshot = headers.snapshot(response::header, now);
        RetryHints hints = headers.hints(response::header, now);
        String requestId = response.header("request-id").orElse(null);
        if (response.status() != 200) {
            byte[] bytes;
            try (InputStream in = response.body()) {
                bytes = in.readAllBytes();
            } catch (IOException e) {
                return AttemptResult.failure(new Outcome(Classifier.transportFamily(e), response.status(), null,
                        Classifier.withRequestId("the answer broke off: " + e, requestId), null, hints, snapshot), null);
            }
            Outcome outcome = Classifier.classify(response.status(), parse(bytes), hints, snapshot, now, requestId);
            return AttemptResult.failure(outcome.isSuccess()
                    ? Classifier.invalidResponse(response.status(), "The answer to a streaming request was not a stream", hints, snapshot,
                            requestId)
                    : outcome, null);
        }
        SseReader reader = new SseReader(response.body());
        StreamUsage seen = new StreamUsage();
        SseReader.Event first;
        try {
            first = reader.next();
        } catch (IOException e) {
            closeQuietly(response.body());
            return AttemptResult.failure(new Outcome(Classifier.transportFamily(e), response.status(), null,
                    Classifier.withRequestId("the stream broke off before its first event: " + e, requestId), null, hints, snapshot), null);
        }
        if (first == null || "error".equals(first.name())) {
            // Nothing has reached the caller yet: an ordinary failure, retried or fallen back from.
            closeQuietly(response.body());
            Outcome failed = first == null
                    ? new Outcome(OutcomeFamily.CONNECTION_FAILURE, response.status(), null,
                            Classifier.withRequestId("the stream ended before its first event", requestId), null, hints, snapshot)
                    : Classifier.streamError(parse(first.data().getBytes(StandardCharsets.UTF_8)), requestId);
            return AttemptResult.failure(failed, null);
        }
        seen.data(first.data());
        String modelClass = classes.classOf(model);
        CompletableFuture<Cost> ended = new CompletableFuture<>();
        ScheduledTask[] backstop = new ScheduledTask[1];
        MessageStream stream = new MessageStream(model, requestId, reader, response.body(), first, seen, (usage, brokeOff) -> {
            if (backstop[0] != null) {
                backstop[0].cancel();
            }
            Usage u = usage.usage().plausible(maxTokens);
            if (estimate != null && usage.complete()) {
                estimator.learn(modelClass, estimate, u.totalInput(), u.output(), maxTokens);
            }
            Cost cost = u.cost(classes.countsCacheReads(modelClass));
            if (brokeOff != null) {
                ended.completeExceptionally(new StreamInterrupted(brokeOff, cost));
            } else {
                ended.complete(cost);
            }
        });
        // The transport's deadline closes the body, but only a read would notice: a stream its caller neither reads
        // nor closes must still give its reservation and slot back when its time is up.
        backstop[0] = http.scheduler().schedule(() -> stream.expire("The stream from " + model + " was neither read to its end nor"
                + " closed within its timeout of " + timeout.toMillis() + " ms."), timeout);
        if (ended.isDone()) {
            backstop[0].cancel();
        }
        return AttemptResult.streaming(Classifier.classify(200, null, hints, snapshot), stream, ended);
    }

    private static void closeQuietly(InputStream in) {
        try {
            in.close();
        } catch (IOException ignored) {
            // nobody reads it any more
        }
    }

    private static Throwable unwrap(Throwable error) {
        Throwable t = error;
        while (t instanceof java.util.concurrent.CompletionException && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }

    static JsonNode parse(byte[] body) {
        if (body == null || body.length == 0) {
            return null;
        }
        try {
            return JSON.readTree(body);
        } catch (IOException e) {
            return null;
        }
    }

    Target target(String model) {
        return targets.computeIfAbsent(model, m -> {
            String pool = classes.classOf(m);
            if (!classes.isKnown(m)) {
                // Once per id: its limits are learned for a pool of its own, which is wrong if it shares one.
                debug.accept(ModelClasses.unknownNote(m, pool));
            }
            return Target.of("anthropic", m, QuotaKey.of("anthropic:" + keyFingerprint + ":" + pool));
        });
    }

    /** A short, non-reversible name for an API key, safe to print. */
    public static String fingerprint(String apiKey) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(apiKey.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest, 0, 4);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
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

    /** Builds an {@link AnthropicPacer}. */
    public static final class Builder {
        private String baseUrl = "https://api.anthropic.com";
        private String apiKey;
        private AnthropicHttp http;
        private Pacer pacer;
        private ModelClasses classes = ModelClasses.defaults();
        private TokenEstimator estimator = TokenEstimator.defaults();
        private List<String> fallbackModels = List.of();
        private Duration maxRetryAfter = Duration.ofMinutes(10);
        private Consumer<String> debug = note -> { };
        private long countTokensAbove;
        private Executor executor;

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
            if (tokens < 0) {
                throw new IllegalArgumentException("countTokensAbove must be 0 (off) or a number of tokens, not " + tokens + ".");
            }
            this.countTokensAbove = tokens;
            return this;
        }

        /** The API's base URL (default {@code https://api.anthropic.com}). */
        public Builder baseUrl(String baseUrl) {
            this.baseUrl = baseUrl;
            return this;
        }

        /** The API key. */
        public Builder apiKey(String apiKey) {
            this.apiKey = apiKey;
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
            this.classes = Objects.requireNonNull(classes, "classes");
            return this;
        }

        /** The token estimator. */
        public Builder estimator(TokenEstimator estimator) {
            this.estimator = Objects.requireNonNull(estimator, "estimator");
            return this;
        }

        /** Models to fall back to, in order, after the request's own. */
        public Builder fallbackModels(List<String> models) {
            this.fallbackModels = List.copyOf(models);
            return this;
        }

        /** The longest {@code retry-after} believed (default 10 min). */
        public Builder maxRetryAfter(Duration max) {
            this.maxRetryAfter = max;
            return this;
        }

        /** Receives notes about ignored header values and unknown model ids (never a key). */
        public Builder debug(Consumer<String> debug) {
            this.debug = Objects.requireNonNull(debug, "debug");
            return this;
        }

        /** The client. */
        public AnthropicPacer build() {
            return new AnthropicPacer(this);
        }
    }
}
