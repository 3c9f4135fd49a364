package dev.pacer.anthropic.sdk;

import com.anthropic.client.AnthropicClient;
import com.anthropic.client.okhttp.AnthropicOkHttpClient;
import com.anthropic.core.http.Interceptor;
import dev.pacer.Pacer;
import dev.pacer.StreamInterrupted;
import dev.pacer.anthropic.AnthropicCalls;
import dev.pacer.anthropic.AnthropicPacer;
import dev.pacer.anthropic.ModelClasses;
import dev.pacer.anthropic.TokenEstimator;
import dev.pacer.anthropic.internal.sdk.PacingHttpClient;
import dev.pacer.quota.Priority;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.function.Consumer;

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
 * and sets the SDK's own retries to zero so that there is one retry policy, not two. Every request
 * goes through a {@link Pacer} by the same pipeline as {@link AnthropicPacer}'s
 * ({@link AnthropicCalls}): a {@code POST /v1/messages} (plain or streaming) is admitted against
 * its key's quota (estimated again while it waits at the head of the line), retried, calibrated from
 * the {@code anthropic-ratelimit-*} headers, and moved to a fallback model (the request's
 * {@code model} is rewritten; the returned Message's {@code model} says which answered). A stream
 * holds its reservation until it is closed or read to the end, settles from its final usage, and is
 * retried or falls back only before the SDK sees its first byte; one that breaks off later (a
 * mid-stream {@code event: error}, a dropped connection) reaches the caller as the SDK's own
 * exception and the engine as a {@link StreamInterrupted}, so its breaker hears it.
 * {@code count_tokens} is paced against its own request bucket, the Batches endpoints against theirs
 * (and the other endpoints, each family against its own), so every call keeps a retry policy. The
 * key is each request's own, so clients with different keys sharing these options draw from
 * different pools; the request's headers ({@code anthropic-beta}, {@code anthropic-workspace-id})
 * go on as the SDK set them. When every attempt failed, the SDK gets the last response and raises its
 * usual exception ({@code RateLimitException}, {@code InternalServerException}...); a call that could
 * not be admitted in time raises Pacer's {@link dev.pacer.QuotaWaitExceeded}.
 */
public final class PacedAnthropic {

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
        Pacer pacer = options.engine();
        AnthropicCalls calls = options.pipeline(pacer);
        Priority priority = options.priority;
        Executor executor = options.executor;
        return next -> new PacingHttpClient(next, pacer, calls, priority, executor);
    }

    /** What the adapter paces with; the pipeline's settings are validated by {@link AnthropicCalls.Builder}. */
    public static final class Options {
        private Pacer pacer;
        private Priority priority = Priority.NORMAL;
        private Executor executor = Executors.newVirtualThreadPerTaskExecutor();
        private final AnthropicCalls.Builder calls = AnthropicCalls.builder();
        private AnthropicCalls pipeline;

        private Options() {
        }

        /**
         * Ask the free {@code count_tokens} endpoint for the exact input of Messages requests whose
         * local estimate is above {@code tokens} (default 0: never), as
         * {@link AnthropicPacer.Builder#countTokensAbove} does: the reservation is then exact, at the
         * price of one extra round trip paced against {@code count_tokens}' own request limit. When
         * the count fails, the request goes ahead on the estimate.
         */
        public synchronized Options countTokensAbove(long tokens) {
            calls.countTokensAbove(tokens);
            pipeline = null;
            return this;
        }

        /** The engine (default: {@code Pacer.builder().build()}). Share one per process. */
        public synchronized Options pacer(Pacer pacer) {
            this.pacer = Objects.requireNonNull(pacer, "pacer");
            this.pipeline = null;
            return this;
        }

        /** Models to fall back to, in order. */
        public synchronized Options fallbackModels(List<String> models) {
            calls.fallbackModels(models);
            pipeline = null;
            return this;
        }

        /** The model-to-pool table. */
        public synchronized Options modelClasses(ModelClasses classes) {
            calls.modelClasses(classes);
            pipeline = null;
            return this;
        }

        /** The token estimator. */
        public synchronized Options estimator(TokenEstimator estimator) {
            calls.estimator(estimator);
            pipeline = null;
            return this;
        }

        /** The admission class of calls through this client (default NORMAL). */
        public Options priority(Priority priority) {
            this.priority = Objects.requireNonNull(priority, "priority");
            return this;
        }

        /** The longest {@code retry-after} believed (default 10 min); a longer one is ignored, as if absent. */
        public synchronized Options maxRetryAfter(Duration max) {
            calls.maxRetryAfter(max);
            pipeline = null;
            return this;
        }

        /** Where the SDK's blocking transport runs each attempt (default: a virtual thread each). */
        public Options executor(Executor executor) {
            this.executor = Objects.requireNonNull(executor, "executor");
            return this;
        }

        /**
         * Hears the usage of every Messages answer (with the target that answered) of the clients wrapped
         * from now on, for metrics: see {@link dev.pacer.anthropic.AnthropicResponses#addUsageListener}.
         */
        public Options onUsage(java.util.function.BiConsumer<dev.pacer.route.Target, dev.pacer.anthropic.Usage> listener) {
            calls.onUsage(listener);
            return this;
        }

        /** Receives notes about ignored header values and unknown model ids (never a key). */
        public synchronized Options debug(Consumer<String> debug) {
            calls.debug(debug);
            pipeline = null;
            return this;
        }

        /**
         * The pipeline every client wrapped with these options shares, made on first use: one client per API key is the
         * SDK's way, and keys of one organization can only come to share their pools if their clients share what was
         * learned about them. A setting changed after a wrap applies to the clients wrapped after it (a new pipeline).
         */
        private synchronized AnthropicCalls pipeline(Pacer engine) {
            if (pipeline == null) {
                pipeline = calls.clock(engine.clock()).quotas(engine.quotas()).build();
            }
            return pipeline;
        }

        /**
         * The engine these options pace with: the one given, else the default one, made on first use and
         * shared by every client wrapped with these options (to bind metrics to it, say).
         */
        public synchronized Pacer engine() {
            if (pacer == null) {
                pacer = Pacer.builder().build();
            }
            return pacer;
        }
    }
}
