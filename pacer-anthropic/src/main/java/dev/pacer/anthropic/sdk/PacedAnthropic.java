package dev.pacer.anthropic.sdk;

import com.anthropic.client.AnthropicClient;
import com.anthropic.client.okhttp.AnthropicOkHttpClient;
import com.anthropic.core.RequestOptions;
import com.anthropic.core.http.Headers;
import com.anthropic.core.http.HttpClient;
import com.anthropic.core.http.HttpMethod;
import com.anthropic.core.http.HttpRequest;
import com.anthropic.core.http.HttpResponse;
import com.anthropic.core.http.Interceptor;
import com.anthropic.errors.AnthropicIoException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pacer.AttemptContext;
import dev.pacer.AttemptResult;
import dev.pacer.CallFailed;
import dev.pacer.CallSpec;
import dev.pacer.Pacer;
import dev.pacer.PacerException;
import dev.pacer.StreamInterrupted;
import dev.pacer.anthropic.AnthropicPacer;
import dev.pacer.anthropic.Classifier;
import dev.pacer.anthropic.ModelClasses;
import dev.pacer.anthropic.RateLimitHeaders;
import dev.pacer.anthropic.StreamUsage;
import dev.pacer.anthropic.TokenEstimator;
import dev.pacer.anthropic.Usage;
import dev.pacer.outcome.Outcome;
import dev.pacer.outcome.OutcomeFamily;
import dev.pacer.outcome.RetryHints;
import dev.pacer.quota.Cost;
import dev.pacer.quota.Priority;
import dev.pacer.quota.QuotaKey;
import dev.pacer.quota.RateLimitSnapshot;
import dev.pacer.route.Route;
import dev.pacer.route.Target;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * Pacer inside the official {@code anthropic-java} SDK: change one line where the client is built.
 *
 * <pre>{@code
 * AnthropicClient client = PacedAnthropic.wrap(
 *         AnthropicOkHttpClient.builder().apiKey(key),          // your builder, as before
 *         PacedAnthropic.options().fallbackModels(List.of("claude-haiku-4-5")));
 * client.messages().create(params);                              // paced, retried, calibrated, falling back
 * }</pre>
 *
 * It works at the SDK's {@link Interceptor} seam, which sees every HTTP attempt with its headers,
 * and sets the SDK's own retries to zero so that there is one retry policy, not two. Every
 * {@code POST /v1/messages} (plain or streaming) goes through a {@link Pacer}: admitted against the
 * key's quota, retried, calibrated from the {@code anthropic-ratelimit-*} headers, and moved to a
 * fallback model (the request's {@code model} is rewritten; the returned Message's {@code model}
 * says which answered). A stream holds its reservation until it is closed or read to the end, settles
 * from its final usage, and is retried or falls back only before the SDK sees its first byte; one that
 * breaks off later (a mid-stream {@code event: error}, a dropped connection) reaches the caller as the
 * SDK's own exception and the engine as a {@link StreamInterrupted}, so its breaker hears it.
 * {@code count_tokens} is paced against its own request bucket, the Batches endpoints against theirs
 * (and the other endpoints, each family against its own), so every call keeps a retry policy.
 * When every attempt failed, the SDK gets the last response and raises its usual exception
 * ({@code RateLimitException}, {@code InternalServerException}...); a call that could not be
 * admitted in time raises Pacer's {@link dev.pacer.QuotaWaitExceeded}.
 */
public final class PacedAnthropic {

    private static final ObjectMapper JSON = new ObjectMapper();

    private PacedAnthropic() {
    }

    /** Options with the defaults: a new {@link Pacer} learning limits from headers, no fallback. */
    public static Options options() {
        return new Options();
    }

    /** Builds the client with Pacer in it (and the SDK's own retries off). */
    public static AnthropicClient wrap(AnthropicOkHttpClient.Builder builder, Options options) {
        return builder.maxRetries(0).addInterceptor(interceptor(options)).build();
    }

    /**
     * Pacer inside a client that is already built: a copy of it (same HTTP client, same options)
     * with the SDK's own retries off and the pacing interceptor added. Close the copy, not the original.
     */
    public static AnthropicClient wrap(AnthropicClient client, Options options) {
        Interceptor pacing = interceptor(options);
        return client.withOptions(b -> b.maxRetries(0).addInterceptor(pacing));
    }

    /** The interceptor, for code that builds its client another way (remember {@code maxRetries(0)}). */
    public static Interceptor interceptor(Options options) {
        Options o = options.freeze();
        return next -> new PacingHttpClient(next, o);
    }

    /** What the adapter paces with. */
    public static final class Options {
        private Pacer pacer;
        private ModelClasses classes = ModelClasses.defaults();
        private TokenEstimator estimator = TokenEstimator.defaults();
        private List<String> fallbackModels = List.of();
        private Priority priority = Priority.NORMAL;
        private Duration maxRetryAfter = Duration.ofMinutes(10);
        private Executor executor = Executors.newVirtualThreadPerTaskExecutor();
        private Consumer<String> debug = note -> { };
        private long countTokensAbove;

        private Options() {
        }

        /**
         * Ask the free {@code count_tokens} endpoint for the exact input of Messages requests whose
         * local estimate is above {@code tokens} (default 0: never), as
         * {@link AnthropicPacer.Builder#countTokensAbove} does: the reservation is then exact, at the
         * price of one extra round trip paced against {@code count_tokens}' own request limit. When
         * the count fails, the request goes ahead on the estimate.
         */
        public Options countTokensAbove(long tokens) {
            if (tokens < 0) {
                throw new IllegalArgumentException("countTokensAbove must be 0 (off) or a number of tokens, not " + tokens + ".");
            }
            this.countTokensAbove = tokens;
            return this;
        }

        /** The engine (default: {@code Pacer.builder().build()}). Share one per process. */
        public Options pacer(Pacer pacer) {
            this.pacer = pacer;
            return this;
        }

        /** Models to fall back to, in order. */
        public Options fallbackModels(List<String> models) {
            this.fallbackModels = List.copyOf(models);
            return this;
        }

        /** The model-to-pool table. */
        public Options modelClasses(ModelClasses classes) {
            this.classes = classes;
            return this;
        }

        /** The token estimator. */
        public Options estimator(TokenEstimator estimator) {
            this.estimator = estimator;
            return this;
        }

        /** The admission class of calls through this client (default NORMAL). */
        public Options priority(Priority priority) {
            this.priority = priority;
            return this;
        }

        /** The longest {@code retry-after} believed. */
        public Options maxRetryAfter(Duration max) {
            this.maxRetryAfter = max;
            return this;
        }

        /** Receives notes about ignored header values and unknown model ids (never a key). */
        public Options debug(Consumer<String> debug) {
            this.debug = java.util.Objects.requireNonNull(debug, "debug");
            return this;
        }

        private Options freeze() {
            if (pacer == null) {
                pacer = Pacer.builder().build();
            }
            return this;
        }
    }

    /** The HTTP client the SDK calls: paces {@code /v1/messages}, passes the rest through. */
    static final class PacingHttpClient implements HttpClient {

        private final HttpClient next;
        private final Options options;
        private final RateLimitHeaders headers;
        private final Map<String, Target> targets = new ConcurrentHashMap<>();

        PacingHttpClient(HttpClient next, Options options) {
            this.next = next;
            this.options = options;
            this.headers = new RateLimitHeaders(options.maxRetryAfter, options.debug);
        }

        @Override
        public HttpResponse execute(HttpRequest request, RequestOptions requestOptions) {
            try {
                return executeAsync(request, requestOptions).get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new PacerException("Interrupted while waiting for the API.", e);
            } catch (ExecutionException e) {
                throw rethrow(e.getCause());
            }
        }

        @Override
        public CompletableFuture<HttpResponse> executeAsync(HttpRequest request, RequestOptions requestOptions) {
            List<String> path = request.pathSegments();
            if (request.method() != HttpMethod.POST || path.size() < 2 || !path.get(0).equals("v1") || !path.get(1).equals("messages")
                    || path.size() > 3 || (path.size() == 3 && !path.get(2).equals("count_tokens"))) {
                return endpoint(request, requestOptions, path);
            }
            byte[] body = bytesOf(request);
            JsonNode params;
            try {
                params = JSON.readTree(body);
            } catch (IOException e) {
                return next.executeAsync(request, requestOptions); // not ours to judge: the API will answer
            }
            if (!(params instanceof ObjectNode object) || !params.path("model").isTextual()) {
                return next.executeAsync(request, requestOptions);
            }
            boolean countTokens = path.size() == 3;
            if (!countTokens && options.countTokensAbove > 0
                    && options.estimator.estimate(options.classes.classOf(object.path("model").asText()), object).inputTokens()
                    > options.countTokensAbove) {
                return count(request, requestOptions, object)
                        .thenCompose(counted -> paced(request, requestOptions, object, body, false, counted));
            }
            return paced(request, requestOptions, object, body, countTokens, -1);
        }

        /**
         * The provider's count of a Messages request's input: the same request (headers, auth, beta
         * flags) sent to {@code count_tokens} with the fields it takes, paced as any count. -1 when it
         * could not say: counting is an optimisation, never a failure.
         */
        private CompletableFuture<Long> count(HttpRequest request, RequestOptions requestOptions, ObjectNode params) {
            ObjectNode countParams = AnthropicPacer.countTokensBody(params);
            byte[] bytes;
            try {
                bytes = JSON.writeValueAsBytes(countParams);
            } catch (IOException e) {
                return CompletableFuture.completedFuture(-1L);
            }
            HttpRequest counting = request.toBuilder().replaceAllPathSegments("v1", "messages", "count_tokens")
                    .body(new BytesBody(bytes)).build();
            return paced(counting, requestOptions, countParams, bytes, true, -1).handle((response, error) -> {
                if (error != null || !(response instanceof BufferedResponse buffered) || buffered.statusCode() / 100 != 2) {
                    return -1L;
                }
                JsonNode json = AnthropicPacerJson.parse(buffered.bytes());
                long n = json == null ? -1 : json.path("input_tokens").asLong(-1);
                return n > 0 ? n : -1L;
            });
        }

        /**
         * Any other endpoint (the Message Batches endpoints, models, files): the SDK's own retries are off,
         * so without Pacer a 429 or a 529 here would reach the caller on the first try. Each endpoint
         * family is paced as one request pool ({@code anthropic:<key>:batches}: the batch endpoints share one
         * request limit) learned from its headers, and retried by the engine. A success is handed over
         * unread (batch results can be large); only error bodies are read, to classify them. A body
         * that cannot be sent twice goes out once, as the SDK would.
         */
        private CompletableFuture<HttpResponse> endpoint(HttpRequest request, RequestOptions requestOptions, List<String> path) {
            if (request.body().isPresent() && !request.body().get().repeatable()) {
                return next.executeAsync(request, requestOptions);
            }
            String pool = path.size() >= 3 && path.get(0).equals("v1") && path.get(1).equals("messages") && path.get(2).equals("batches")
                    ? "batches" : path.size() >= 2 && path.get(0).equals("v1") ? path.get(1) : "other";
            String fingerprint = AnthropicPacer.fingerprint(apiKey(request.headers()));
            Target target = targets.computeIfAbsent(fingerprint + "|endpoint|" + pool, k ->
                    Target.of("anthropic", pool, QuotaKey.of("anthropic:" + fingerprint + ":" + pool)));
            AtomicReference<Object> last = new AtomicReference<>();
            CallSpec spec = CallSpec.builder().route(Route.of(target)).cost(Cost.requests(1, 0, 0)).priority(options.priority).build();
            return options.pacer.execute(spec, ctx -> send(request, requestOptions, last, response -> classifyEndpoint(response, last)))
                    .handle((result, error) -> finish(result == null ? null : result.value(), error, last));
        }

        private AttemptResult<HttpResponse> classifyEndpoint(HttpResponse response, AtomicReference<Object> last) {
            Instant now = options.pacer.clock().instant();
            Headers h = response.headers();
            Function<String, Optional<String>> header = name -> h.values(name).stream().findFirst();
            RateLimitSnapshot snapshot = headers.snapshot(header, now);
            RetryHints hints = headers.hints(header, now);
            int status = response.statusCode();
            if (status >= 200 && status < 300) {
                return AttemptResult.success(Classifier.classify(status, null, hints, snapshot), response, Cost.requests(1, 0, 0));
            }
            byte[] bytes;
            try (response) {
                bytes = response.body().readAllBytes();
            } catch (IOException e) {
                return brokenBody(e, status, header, hints, snapshot, last);
            }
            BufferedResponse buffered = new BufferedResponse(status, h, bytes);
            Outcome outcome = Classifier.classify(status, AnthropicPacerJson.parse(bytes), hints, snapshot, now,
                    header.apply("request-id").orElse(null));
            last.set(buffered);
            return outcome.isSuccess() ? AttemptResult.success(outcome, buffered, Cost.requests(1, 0, 0))
                    : AttemptResult.failure(outcome, null);
        }

        /** What the SDK gets: the answer, else the last failed response (it raises its own exception), else the transport's. */
        private static HttpResponse finish(HttpResponse value, Throwable error, AtomicReference<Object> last) {
            if (error == null) {
                return value;
            }
            Throwable cause = unwrap(error);
            Object lastFailure = last.get();
            if (cause instanceof CallFailed && lastFailure instanceof HttpResponse lastResponse) {
                return lastResponse; // the SDK raises its own exception for it
            }
            if (cause instanceof CallFailed && lastFailure instanceof RuntimeException transport) {
                throw transport; // as the SDK would have, once its retries were spent
            }
            throw cause instanceof RuntimeException r ? r : new CompletionException(cause);
        }

        private CompletableFuture<HttpResponse> paced(HttpRequest request, RequestOptions requestOptions, ObjectNode params,
                                                      byte[] body, boolean countTokens, long countedInput) {
            String fingerprint = AnthropicPacer.fingerprint(apiKey(request.headers()));
            String model = params.path("model").asText();
            boolean stream = !countTokens && params.path("stream").asBoolean(false);
            List<Target> route = new ArrayList<>();
            route.add(target(fingerprint, model, countTokens));
            if (!countTokens) {
                for (String fallback : options.fallbackModels) {
                    if (!fallback.equals(model)) {
                        route.add(target(fingerprint, fallback, false));
                    }
                }
            }
            Map<Target, TokenEstimator.Estimate> estimates = new ConcurrentHashMap<>();
            Function<Target, Cost> cost = t -> {
                if (countTokens) {
                    return Cost.requests(1, 0, 0);
                }
                TokenEstimator.Estimate e = estimates.computeIfAbsent(t, x -> {
                    TokenEstimator.Estimate local = options.estimator.estimate(options.classes.classOf(x.model()), params);
                    // The provider counted the request's own model; a fallback model's tokenizer may count otherwise.
                    return countedInput > 0 && x.model().equals(model) ? local.withCountedInput(countedInput) : local;
                });
                return Usage.costOf(e.inputTokens(), e.outputTokens());
            };
            // What the last failed attempt gave the SDK: a response, or the SDK's own transport exception.
            AtomicReference<Object> last = new AtomicReference<>();
            CallSpec spec = CallSpec.builder().route(new Route(route)).cost(cost).priority(options.priority).build();
            return options.pacer.execute(spec, ctx -> attempt(ctx, request, requestOptions, params, body, stream, countTokens,
                            estimates.get(ctx.target()), last))
                    .handle((result, error) -> finish(result == null ? null : result.value(), error, last));
        }

        private CompletionStage<AttemptResult<HttpResponse>> attempt(AttemptContext ctx, HttpRequest original, RequestOptions requestOptions,
                                                                     ObjectNode params, byte[] body, boolean stream, boolean countTokens,
                                                                     TokenEstimator.Estimate estimate, AtomicReference<Object> last) {
            String model = ctx.target().model();
            HttpRequest request = original;
            if (!model.equals(params.path("model").asText())) {
                ObjectNode rewritten = params.deepCopy();
                rewritten.put("model", model);
                try {
                    request = original.toBuilder().body(new BytesBody(JSON.writeValueAsBytes(rewritten))).build();
                } catch (IOException e) {
                    return CompletableFuture.failedFuture(e);
                }
            } else {
                request = original.toBuilder().body(new BytesBody(body)).build();
            }
            // The SDK's blocking path on a virtual thread: OkHttp's async dispatcher would cap calls per host at 5.
            return send(request, requestOptions, last, response -> classify(response, model, params, stream, countTokens, estimate, last));
        }

        /**
         * One attempt on the SDK's own transport, on the executor, its response classified by
         * {@code classify}; a transport failure the engine knows (see {@link #transportFailure})
         * becomes a failed attempt and is kept in {@code last} for the caller, anything else is thrown.
         */
        private CompletableFuture<AttemptResult<HttpResponse>> send(HttpRequest request, RequestOptions requestOptions,
                                                                    AtomicReference<Object> last,
                                                                    Function<HttpResponse, AttemptResult<HttpResponse>> classify) {
            return CompletableFuture.supplyAsync(() -> {
                HttpResponse response;
                try {
                    response = next.execute(request, requestOptions);
                } catch (RuntimeException e) {
                    OutcomeFamily family = transportFailure(e);
                    if (family == null) {
                        throw e;
                    }
                    last.set(e);
                    return AttemptResult.<HttpResponse>failure(new Outcome(family, 0, null, describe(e), null, RetryHints.NONE, null), null);
                }
                return classify.apply(response);
            }, options.executor);
        }

        /** An answer that broke off after its status: a connection failure the provider has already counted. */
        private AttemptResult<HttpResponse> brokenBody(IOException e, int status, Function<String, Optional<String>> header,
                                                       RetryHints hints, RateLimitSnapshot snapshot, AtomicReference<Object> last) {
            last.set(new AnthropicIoException("Request failed", e));
            return AttemptResult.failure(new Outcome(OutcomeFamily.CONNECTION_FAILURE, status, null,
                    Classifier.withRequestId(describe(e), header.apply("request-id").orElse(null)), null, hints, snapshot), null);
        }

        /**
         * The SDK's HTTP client reports a reset, a refused connection or a timeout as an
         * {@code AnthropicIoException} (a RuntimeException around the IOException), which the engine
         * would otherwise take for a bug and fail at once: without retry, fallback or breaker. The SDK
         * itself retries these, so they are connection failures or timeouts here.
         */
        static OutcomeFamily transportFailure(Throwable error) {
            boolean io = false;
            for (Throwable t = error; t != null; t = t.getCause() == t ? null : t.getCause()) {
                if (t instanceof java.net.SocketTimeoutException || t instanceof java.net.http.HttpTimeoutException
                        || (t instanceof java.io.InterruptedIOException && "timeout".equalsIgnoreCase(t.getMessage()))
                        || t.getClass().getSimpleName().contains("Timeout")) {
                    return OutcomeFamily.TIMEOUT;
                }
                io |= t instanceof IOException || t instanceof AnthropicIoException;
            }
            return io ? OutcomeFamily.CONNECTION_FAILURE : null;
        }

        private static String describe(Throwable error) {
            Throwable root = error;
            while (root.getCause() != null && root.getCause() != root) {
                root = root.getCause();
            }
            String message = root.getMessage();
            return root.getClass().getSimpleName() + (message == null || message.isBlank() ? "" : ": " + message);
        }

        private AttemptResult<HttpResponse> classify(HttpResponse response, String model, ObjectNode params, boolean stream,
                                                     boolean countTokens, TokenEstimator.Estimate estimate,
                                                     AtomicReference<Object> last) {
            Instant now = options.pacer.clock().instant();
            Headers h = response.headers();
            Function<String, Optional<String>> header = name -> h.values(name).stream().findFirst();
            RateLimitSnapshot snapshot = headers.snapshot(header, now);
            RetryHints hints = headers.hints(header, now);
            int status = response.statusCode();
            String modelClass = options.classes.classOf(model);
            long maxTokens = params.path("max_tokens").asLong(4096);
            if (status == 200 && stream) {
                // Committed: from here the stream belongs to the caller; settle when it ends.
                CompletableFuture<Cost> ended = new CompletableFuture<>();
                String requestId = header.apply("request-id").orElse(null);
                InputStream watched = new StreamWatcher(response.body(), watcher -> {
                    StreamUsage seen = watcher.usage();
                    Usage usage = seen.usage().plausible(maxTokens);
                    if (estimate != null && seen.complete()) {
                        options.estimator.learn(modelClass, estimate, usage.totalInput(), usage.output(), maxTokens);
                    }
                    Cost cost = usage.cost(options.classes.countsCacheReads(modelClass));
                    Outcome broke = seen.brokeOff(watcher.readToEnd(), watcher.failure(), requestId);
                    if (broke != null) {
                        // The SDK raises its own exception to the caller (SseException for an event: error); the
                        // engine hears how the stream ended, so a model whose streams keep breaking opens its breaker.
                        ended.completeExceptionally(new StreamInterrupted(broke, cost));
                    } else {
                        ended.complete(cost);
                    }
                });
                HttpResponse passed = new StreamingResponse(response, watched);
                return AttemptResult.streaming(Classifier.classify(status, null, hints, snapshot), passed, ended);
            }
            byte[] bytes;
            try (response) {
                bytes = response.body().readAllBytes();
            } catch (IOException e) {
                return brokenBody(e, status, header, hints, snapshot, last);
            }
            BufferedResponse buffered = new BufferedResponse(status, h, bytes);
            JsonNode json = AnthropicPacerJson.parse(bytes);
            String requestId = header.apply("request-id").orElse(null);
            Outcome outcome = Classifier.classify(status, json, hints, snapshot, now, requestId);
            if (!outcome.isSuccess()) {
                last.set(buffered);
                return AttemptResult.failure(outcome, null);
            }
            if (countTokens) {
                return AttemptResult.success(outcome, buffered, Cost.requests(1, 0, 0));
            }
            if (json == null || !json.has("usage")) {
                last.set(buffered);
                return AttemptResult.failure(Classifier.invalidResponse(status, "The response was not a Message", hints, snapshot,
                        requestId), null);
            }
            Usage usage = Usage.of(json.path("usage")).plausible(maxTokens);
            if (estimate != null) {
                options.estimator.learn(modelClass, estimate, usage.totalInput(), usage.output(), maxTokens);
            }
            return AttemptResult.success(outcome, buffered, usage.cost(options.classes.countsCacheReads(modelClass)));
        }

        private Target target(String fingerprint, String model, boolean countTokens) {
            String pool = countTokens ? "count_tokens" : options.classes.classOf(model);
            return targets.computeIfAbsent(fingerprint + "|" + model + "|" + countTokens, k -> {
                if (!countTokens && !options.classes.isKnown(model)) {
                    options.debug.accept(ModelClasses.unknownNote(model, pool));
                }
                return Target.of("anthropic", model, QuotaKey.of("anthropic:" + fingerprint + ":" + pool));
            });
        }

        @Override
        public void close() {
            next.close();
        }

        private static String apiKey(Headers headers) {
            List<String> key = headers.values("x-api-key");
            if (!key.isEmpty()) {
                return key.get(0);
            }
            List<String> auth = headers.values("authorization");
            if (auth.isEmpty()) {
                return "anonymous";
            }
            String value = auth.get(0).trim();
            return value.regionMatches(true, 0, "Bearer ", 0, 7) ? value.substring(7).trim() : value;
        }

        private static byte[] bytesOf(HttpRequest request) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            request.body().ifPresent(b -> b.writeTo(out));
            return out.toByteArray();
        }

        private static Throwable unwrap(Throwable error) {
            Throwable t = error;
            while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
                t = t.getCause();
            }
            return t;
        }

        private static RuntimeException rethrow(Throwable cause) {
            Throwable t = unwrap(cause);
            return t instanceof RuntimeException r ? r : new PacerException("The call failed: " + t, t);
        }
    }

    /** A committed stream handed to the SDK: the original response with its body watched. */
    private static final class StreamingResponse implements HttpResponse {
        private final HttpResponse response;
        private final InputStream body;

        StreamingResponse(HttpResponse response, InputStream body) {
            this.response = response;
            this.body = body;
        }

        @Override
        public int statusCode() {
            return response.statusCode();
        }

        @Override
        public Headers headers() {
            return response.headers();
        }

        @Override
        public InputStream body() {
            return body;
        }

        @Override
        public void close() {
            try {
                body.close();
            } catch (IOException ignored) {
                // closing anyway
            }
            response.close();
        }
    }

    /** JSON parsing shared with the provider (a missing or broken body is null). */
    static final class AnthropicPacerJson {
        private AnthropicPacerJson() {
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
    }
}
