package dev.pacer.anthropic;

import com.fasterxml.jackson.databind.JsonNode;
import dev.pacer.AttemptResult;
import dev.pacer.anthropic.internal.Classifier;
import dev.pacer.anthropic.internal.Json;
import dev.pacer.anthropic.internal.RateLimitHeaders;
import dev.pacer.anthropic.internal.TransportFailures;
import dev.pacer.outcome.Outcome;
import dev.pacer.outcome.OutcomeFamily;
import dev.pacer.outcome.RetryHints;
import dev.pacer.quota.Cost;
import dev.pacer.quota.RateLimitSnapshot;
import dev.pacer.route.Target;
import dev.pacer.time.PacerClock;
import java.io.IOException;
import java.time.Instant;
import java.util.Optional;
import java.util.function.Function;

/**
 * The Anthropic pipeline, response side ({@link AnthropicCalls#responses()}): what came back for one
 * attempt (status, headers, body), or that nothing came back, as the engine's {@link AttemptResult}.
 * The rate-limit headers become the provider's snapshot and retry hints (garbage ignored with a
 * debug note; a {@code retry-after} above {@code maxRetryAfter} is not believed); the status and
 * error body become the outcome family, as in the API reference; a Message's {@code usage} becomes
 * the settled cost and teaches the estimator; a transport failure is a TIMEOUT or a
 * CONNECTION_FAILURE by its type ({@link #transportFailure}). Headers are read through a function
 * from a (case-insensitive) name to its first value, so any HTTP stack can hand them over.
 * Thread-safe.
 */
public final class AnthropicResponses {

    private final ModelClasses classes;
    private final TokenEstimator estimator;
    private final RateLimitHeaders headers;
    private final PacerClock clock;
    private final java.util.List<java.util.function.BiConsumer<Target, Usage>> usageListeners =
            new java.util.concurrent.CopyOnWriteArrayList<>();

    AnthropicResponses(ModelClasses classes, TokenEstimator estimator, RateLimitHeaders headers, PacerClock clock) {
        this.classes = classes;
        this.estimator = estimator;
        this.headers = headers;
        this.clock = clock;
    }

    /**
     * Hears the usage of every Messages answer settled through this pipeline (a Message, or a stream
     * when it ends), with the target that answered: the cache split ({@link Usage#cacheRead()},
     * {@link Usage#cacheCreation()}) that the engine's settled {@code Cost} folds into its input, for
     * metrics. Called on the answering thread: keep it quick; exceptions are swallowed.
     */
    public void addUsageListener(java.util.function.BiConsumer<Target, Usage> listener) {
        usageListeners.add(java.util.Objects.requireNonNull(listener, "listener"));
    }

    /** Removes a listener added by {@link #addUsageListener}. */
    public void removeUsageListener(java.util.function.BiConsumer<Target, Usage> listener) {
        usageListeners.remove(listener);
    }

    /** Any answer classified: its family, the provider's message and request id, its snapshot and hints. */
    public Outcome classify(int status, Function<String, Optional<String>> header, byte[] body) {
        Heard h = heard(header);
        return Classifier.classify(status, Json.parse(body), h.hints, h.snapshot, h.at, h.requestId);
    }

    /**
     * The answer to one attempt of a non-streaming Messages call on {@code target}. A 2xx that is not a
     * Message is a server error (retried); a Message settles at its usage (bounded by what the request
     * could cost) and teaches the estimator.
     */
    public AttemptResult<JsonNode> message(MessagesCall call, Target target, int status, Function<String, Optional<String>> header,
                                           byte[] body) {
        Heard h = heard(header);
        JsonNode json = Json.parse(body);
        Outcome outcome = Classifier.classify(status, json, h.hints, h.snapshot, h.at, h.requestId);
        if (!outcome.isSuccess()) {
            return AttemptResult.failure(outcome, null);
        }
        if (json == null || !json.has("usage")) {
            return AttemptResult.failure(Classifier.invalidResponse(status, "The response was not a Message", h.hints, h.snapshot,
                    h.requestId), null);
        }
        Usage usage = Usage.of(json.path("usage"));
        return AttemptResult.success(outcome, json, settled(call, target, usage, true));
    }

    /**
     * The outcome of an answer the caller takes as it is, a success to the engine: the 200 that opens a
     * stream, an endpoint's 2xx, or a status the caller asked to have handed back
     * ({@link EndpointRequest#withAnswersAsIs}). It carries the snapshot and the hints.
     */
    public Outcome accepted(int status, Function<String, Optional<String>> header) {
        Heard h = heard(header);
        return new Outcome(OutcomeFamily.SUCCESS, status, null, null, null, h.hints, h.snapshot);
    }

    /**
     * The answer to a streaming request that did not open a stream: its error classified, or, for a 2xx
     * that is not a stream, a server error (retried).
     */
    public Outcome notAStream(int status, Function<String, Optional<String>> header, byte[] body) {
        Heard h = heard(header);
        Outcome outcome = Classifier.classify(status, Json.parse(body), h.hints, h.snapshot, h.at, h.requestId);
        return outcome.isSuccess()
                ? Classifier.invalidResponse(status, "The answer to a streaming request was not a stream", h.hints, h.snapshot, h.requestId)
                : outcome;
    }

    /**
     * An answer that broke off after its status ({@code what}: "the answer broke off", "the stream
     * broke off before its first event"): a timeout or a connection failure, carrying the status, so
     * that the engine knows the provider counted it.
     */
    public Outcome brokeOff(int status, Function<String, Optional<String>> header, IOException error, String what) {
        Heard h = heard(header);
        Outcome transport = TransportFailures.outcome(error);
        return new Outcome(transport.family(), status, null, Classifier.withRequestId(what + ": " + transport.message(),
                h.requestId), null, h.hints, h.snapshot);
    }

    /**
     * What a stream of {@code call} on {@code target} cost when it ended, from the usage it carried
     * ({@code complete}: it reported its final output; only such a stream teaches the estimator, a
     * cut-off one would teach that answers are shorter than they are).
     */
    public Cost streamEnded(MessagesCall call, Target target, Usage usage, boolean complete) {
        return settled(call, target, usage, complete);
    }

    /** The input tokens of a {@code count_tokens} answer's body, or -1 when it holds no count. */
    public static long tokenCount(byte[] body) {
        JsonNode json = Json.parse(body);
        long n = json == null ? -1 : json.path("input_tokens").asLong(-1);
        return n > 0 ? n : -1;
    }

    /**
     * The outcome of an attempt that got no answer because of {@code error}: a TIMEOUT or a
     * CONNECTION_FAILURE with status 0, by the exception's type (see {@code TransportFailures}), or
     * null when {@code error} is not a transport failure (a bug, to fail the call as it is).
     */
    public static Outcome transportFailure(Throwable error) {
        return TransportFailures.outcome(error);
    }

    private Cost settled(MessagesCall call, Target target, Usage reported, boolean learn) {
        String modelClass = classes.classOf(target.model());
        Usage usage = reported.plausible(call.maxTokens());
        for (java.util.function.BiConsumer<Target, Usage> listener : usageListeners) {
            try {
                listener.accept(target, usage);
            } catch (RuntimeException ignored) {
                // A listener must never break a call.
            }
        }
        TokenEstimator.Estimate estimate = call.estimate(target);
        if (learn && estimate != null) {
            estimator.learn(modelClass, estimate, usage.totalInput(), usage.output(), call.maxTokens());
        }
        return usage.cost(classes.countsCacheReads(modelClass));
    }

    private Heard heard(Function<String, Optional<String>> header) {
        Instant now = clock.instant();
        return new Heard(now, headers.snapshot(header, now), headers.hints(header, now), header.apply("request-id").orElse(null));
    }

    /** What an answer's headers said, read once. */
    private record Heard(Instant at, RateLimitSnapshot snapshot, RetryHints hints, String requestId) {
    }
}
