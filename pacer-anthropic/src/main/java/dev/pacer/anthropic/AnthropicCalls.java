package dev.pacer.anthropic;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pacer.Attempt;
import dev.pacer.CallSpec;
import dev.pacer.anthropic.internal.OrganizationPools;
import dev.pacer.anthropic.internal.Json;
import dev.pacer.anthropic.internal.RateLimitHeaders;
import dev.pacer.quota.Priority;
import dev.pacer.quota.QuotaKey;
import dev.pacer.quota.Quotas;
import dev.pacer.route.Route;
import dev.pacer.route.Target;
import dev.pacer.time.PacerClock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * The Anthropic pipeline, request side: what every client of the API (Pacer's own
 * {@link AnthropicPacer}, the SDK adapter, the batch runner, a gateway) turns a request into before
 * the engine runs it. A Messages request becomes a {@link MessagesCall}: its route (the request's
 * model, then the fallback models), each target's pool ({@link AnthropicQuotaKeys}, counted by
 * {@link AnthropicQuotaModel}), the cost estimated per target and again while the call waits at
 * the head of its line, its priority and deadline. Any other endpoint becomes a one-request call on
 * its own pool ({@link #endpoint}). The answers are read by {@link #responses()}. The API key is
 * given per call, so one pipeline serves many keys; keys whose answers show one organization and
 * workspace come to share their pools ({@link #heard}, {@link #attempt}). Thread-safe; build one per
 * client (or share one among clients whose keys may belong to one organization).
 *
 * <pre>{@code
 * AnthropicCalls calls = AnthropicCalls.builder().fallbackModels(List.of("claude-haiku-4-5"))
 *         .clock(pacer.clock()).quotas(pacer.quotas()).build();
 * MessagesCall call = calls.messages(key, params, Priority.BULK, null, -1);
 * pacer.execute(call.spec(), calls.attempt(ctx -> send(key, call.body(ctx.target())).thenApply(r -> {
 *     calls.heard(key, r::header);
 *     return calls.responses().message(call, ctx.target(), r.status(), r::header, r.body());
 * })));
 * }</pre>
 */
public final class AnthropicCalls {

    private final ModelClasses classes;
    private final TokenEstimator estimator;
    private final List<String> fallbackModels;
    private final long countTokensAbove;
    private final Consumer<String> debug;
    private final AnthropicQuotaKeys keys;
    private final AnthropicResponses responses;
    private final Map<String, Target> targets = new ConcurrentHashMap<>();
    private final Set<String> notedModels = ConcurrentHashMap.newKeySet();
    private final OrganizationPools organizations;

    private AnthropicCalls(Builder b) {
        this.classes = b.classes;
        this.estimator = b.estimator;
        this.fallbackModels = b.fallbackModels;
        this.countTokensAbove = b.countTokensAbove;
        this.debug = b.debug;
        this.keys = AnthropicQuotaKeys.of(classes);
        this.responses = new AnthropicResponses(classes, estimator, new RateLimitHeaders(b.maxRetryAfter, b.debug), b.clock);
        this.organizations = new OrganizationPools(b.quotas, AnthropicQuotaModel.instance(), AnthropicQuotaKeys::forOwner, b.debug);
        b.usageListeners.forEach(responses::addUsageListener);
    }

    /** A builder with the defaults: the reference's model classes, the default estimator, no fallback. */
    public static Builder builder() {
        return new Builder();
    }

    /** The response side of the pipeline. */
    public AnthropicResponses responses() {
        return responses;
    }

    /** How pools are named. */
    public AnthropicQuotaKeys quotaKeys() {
        return keys;
    }

    /** The model-to-pool table. */
    public ModelClasses modelClasses() {
        return classes;
    }

    /** The estimator. */
    public TokenEstimator estimator() {
        return estimator;
    }

    /** The models a Messages call falls back to, in order. */
    public List<String> fallbackModels() {
        return fallbackModels;
    }

    /**
     * The target {@code model} is sent to with {@code key}: its pool is the model class's. A model id
     * the table does not know is reported to the debug notes once (it draws from a pool of its own,
     * which is wrong if it shares one).
     */
    public Target target(ApiKey key, String model) {
        Objects.requireNonNull(key, "key");
        String pool = keys.poolOf(model);
        String owner = organizations.owner(key.fingerprint(), pool);
        return targets.computeIfAbsent(owner + "|" + model, k -> {
            if (!classes.isKnown(model) && notedModels.add(model)) {
                debug.accept(ModelClasses.unknownNote(model, classes.classOf(model)));
            }
            return Target.of(AnthropicQuotaKeys.PROVIDER, model, AnthropicQuotaKeys.forOwner(owner, pool), AnthropicQuotaModel.instance());
        });
    }

    /**
     * An answer to a call made with {@code key} arrived with these headers: learn which organization
     * and workspace the key belongs to ({@code anthropic-organization-id}, {@code anthropic-workspace-id}).
     * Once two keys show the same pair they draw from one pool per model class and endpoint: the pools
     * of the first, into which the other's are merged (what they learned carries over; see
     * {@code OrganizationPools} for how calls still on a merged pool are kept from over-admitting).
     * Every client of the pipeline calls it for every answer, before it hands the answer to the engine;
     * a client of its own (a gateway) must too, and must run its attempts through {@link #attempt}.
     * Merging needs the engine's quotas ({@link Builder#quotas}); without them every key keeps its own pools.
     */
    public void heard(ApiKey key, Function<String, Optional<String>> header) {
        organizations.heard(Objects.requireNonNull(key, "key").fingerprint(), header);
    }

    /**
     * {@code attempt} as it must run when pools can merge: an attempt admitted on a pool that has since
     * been merged into another is also admitted on that one before it is sent, and one in flight at the
     * moment of a merge holds a bridge reservation there until it ends. Every attempt of a call built
     * here goes through it (the library's clients do this themselves).
     */
    public <T> Attempt<T> attempt(Attempt<T> attempt) {
        return organizations.around(Objects.requireNonNull(attempt, "attempt"));
    }

    /** The pool {@code pool} has been merged into (keys of one organization and workspace), or null. */
    public QuotaKey mergedInto(QuotaKey pool) {
        return organizations.retiredInto(pool);
    }

    /**
     * A Messages request as a call: the request's model then the fallbacks, each target's cost
     * estimated when it is admitted and again while it waits at the head of its line.
     *
     * @param params       the request body (its {@code stream} flag is kept as it is)
     * @param countedInput the provider's count of the input ({@code count_tokens}), or -1; it holds for
     *                     the request's own model only (a fallback's tokenizer may count otherwise)
     * @throws IllegalArgumentException when the request names no model
     */
    public MessagesCall messages(ApiKey key, ObjectNode params, Priority priority, Instant deadline, long countedInput) {
        return messages(key, params, null, priority, deadline, countedInput);
    }

    /**
     * As {@link #messages(ApiKey, ObjectNode, Priority, Instant, long)}, with the request's bytes as the
     * caller sent them: an attempt on the request's own model sends exactly those.
     */
    public MessagesCall messages(ApiKey key, ObjectNode params, byte[] body, Priority priority, Instant deadline, long countedInput) {
        Objects.requireNonNull(params, "params");
        String model = params.path("model").asText("");
        if (model.isEmpty()) {
            throw new IllegalArgumentException("The request has no model; set params.model.");
        }
        List<Target> route = new ArrayList<>();
        route.add(target(key, model));
        for (String fallback : fallbackModels) {
            if (!fallback.equals(model)) {
                route.add(target(key, fallback));
            }
        }
        return new MessagesCall(this, key, params, body, model, new Route(route), priority, deadline, countedInput);
    }

    /**
     * Whether {@code params} is worth counting with {@code count_tokens} first: its local input
     * estimate is above the threshold ({@link Builder#countTokensAbove}).
     */
    public boolean worthCounting(JsonNode params) {
        return countTokensAbove > 0 && params.path("model").isTextual()
                && estimator.estimate(classes.classOf(params.path("model").asText()), params).inputTokens() > countTokensAbove;
    }

    /** The body of the {@code count_tokens} request for a Messages request: the fields that endpoint takes. */
    public static ObjectNode countTokensBody(JsonNode params) {
        ObjectNode body = Json.MAPPER.createObjectNode();
        for (String field : new String[] {"model", "messages", "system", "tools", "tool_choice", "thinking"}) {
            if (params.has(field)) {
                body.set(field, params.get(field));
            }
        }
        return body;
    }

    /**
     * A call to any endpoint but Messages ({@code count_tokens}, the Message Batches endpoints,
     * models, files): one request on the endpoint's pool ({@link AnthropicQuotaKeys#forPath}), whose
     * limit is learned from its headers, retried by the engine like any call.
     */
    public CallSpec endpoint(ApiKey key, String path, Priority priority, Instant deadline) {
        Objects.requireNonNull(key, "key");
        String pool = AnthropicQuotaKeys.poolOfPath(path);
        String owner = organizations.owner(key.fingerprint(), pool);
        Target target = targets.computeIfAbsent(owner + "|endpoint|" + pool, k ->
                Target.of(AnthropicQuotaKeys.PROVIDER, pool, AnthropicQuotaKeys.forOwner(owner, pool), AnthropicQuotaModel.instance()));
        return CallSpec.builder().route(Route.of(target)).cost(Usage.costOf(0, 0))
                .priority(priority).deadline(deadline).build();
    }

    /** Builds {@link AnthropicCalls}; every setting is validated when set. */
    public static final class Builder {
        private ModelClasses classes = ModelClasses.defaults();
        private TokenEstimator estimator = TokenEstimator.defaults();
        private List<String> fallbackModels = List.of();
        private long countTokensAbove;
        private Duration maxRetryAfter = Duration.ofMinutes(10);
        private Consumer<String> debug = note -> { };
        private PacerClock clock = PacerClock.system();
        private Quotas quotas;
        private final List<java.util.function.BiConsumer<Target, Usage>> usageListeners = new java.util.concurrent.CopyOnWriteArrayList<>();

        private Builder() {
        }

        /**
         * The engine's quotas (the clients pass their {@code Pacer}'s): needed to merge the pools of keys
         * that answer for one organization and workspace. Without them (the default) every key keeps its own.
         */
        public Builder quotas(Quotas quotas) {
            this.quotas = Objects.requireNonNull(quotas, "quotas");
            return this;
        }

        /** Hears the usage of every answer of the pipelines built from now on (see {@link AnthropicResponses#addUsageListener}). */
        public Builder onUsage(java.util.function.BiConsumer<Target, Usage> listener) {
            usageListeners.add(Objects.requireNonNull(listener, "listener"));
            return this;
        }

        /** The model-to-pool table (default {@link ModelClasses#defaults()}). */
        public Builder modelClasses(ModelClasses classes) {
            this.classes = Objects.requireNonNull(classes, "modelClasses");
            return this;
        }

        /** The token estimator (default {@link TokenEstimator#defaults()}). */
        public Builder estimator(TokenEstimator estimator) {
            this.estimator = Objects.requireNonNull(estimator, "estimator");
            return this;
        }

        /** Models to fall back to, in order, after the request's own (default none). */
        public Builder fallbackModels(List<String> models) {
            for (String m : Objects.requireNonNull(models, "fallbackModels")) {
                if (m == null || m.isBlank()) {
                    throw new IllegalArgumentException("fallbackModels must name models, not " + models + ".");
                }
            }
            this.fallbackModels = List.copyOf(models);
            return this;
        }

        /**
         * Count the input of Messages requests whose local estimate is above {@code tokens} with the free
         * {@code count_tokens} endpoint first (default 0: never).
         */
        public Builder countTokensAbove(long tokens) {
            if (tokens < 0) {
                throw new IllegalArgumentException("countTokensAbove must be 0 (off) or a number of tokens, not " + tokens + ".");
            }
            this.countTokensAbove = tokens;
            return this;
        }

        /** The longest {@code retry-after} believed, 0 to 1 day (default 10 min); a longer one is ignored. */
        public Builder maxRetryAfter(Duration max) {
            Objects.requireNonNull(max, "maxRetryAfter");
            if (max.isNegative() || max.compareTo(Duration.ofDays(1)) > 0) {
                throw new IllegalArgumentException("maxRetryAfter must be between 0 and 1 day, not " + max + ".");
            }
            this.maxRetryAfter = max;
            return this;
        }

        /** Receives notes about ignored header values and unknown model ids (never a key). */
        public Builder debug(Consumer<String> debug) {
            this.debug = Objects.requireNonNull(debug, "debug");
            return this;
        }

        /** The clock answers are timed on: the engine's (default the system clock). */
        public Builder clock(PacerClock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /** The pipeline. */
        public AnthropicCalls build() {
            return new AnthropicCalls(this);
        }
    }
}
