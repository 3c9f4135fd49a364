package dev.pacer.bench.strategy;

import dev.pacer.Pacer;
import dev.pacer.anthropic.AnthropicPacer;
import dev.pacer.anthropic.AnthropicQuotaKeys;
import dev.pacer.anthropic.ApiKey;
import dev.pacer.anthropic.ModelClasses;
import dev.pacer.bench.Job;
import dev.pacer.bench.Scenario;
import dev.pacer.openai.OpenAiEndpoint;
import dev.pacer.openai.OpenAiFallback;
import dev.pacer.bench.redis.BenchRedis;
import dev.pacer.quota.Dimension;
import dev.pacer.quota.Limit;
import dev.pacer.quota.Priority;
import dev.pacer.quota.QuotaKey;
import dev.pacer.redis.RedisQuotaStore;
import dev.pacer.redis.RedisStoreOptions;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Pacer through its own client ({@link AnthropicPacer}): with the tier's limits given
 * ({@code pacer}), or with nothing configured, learning the limits from the response headers
 * ({@code pacer-zero-config}). Interactive requests go first and carry their deadline; when the
 * scenario has one, the fallback model is on the route, and in {@code storm-openai} the simulator's OpenAI model after it. Concurrency is what the quota admits.
 * {@code pacer-redis} is {@code pacer} with the instances of a fleet sharing one Redis store
 * ({@link dev.pacer.bench.redis.BenchRedis}; the store's time is the lane's scaled clock).
 */
public final class PacerStrategy implements Strategy {

    private final boolean configured;
    private final AnthropicPacer claude;
    private final Env env;
    private final RedisQuotaStore store;

    public PacerStrategy(Env env, boolean configured) {
        this(env, configured, false);
    }

    public PacerStrategy(Env env, boolean configured, boolean redis) {
        this.env = env;
        this.configured = configured;
        Pacer.Builder engine = Pacer.builder().time(env.clock());
        this.store = redis ? RedisQuotaStore.connect(BenchRedis.uri(), RedisStoreOptions.builder()
                .namespace("bench-" + env.lane().replaceAll("[^A-Za-z0-9_.-]", "-")).time(env.clock()).clientTime(true).build())
                : null;
        if (store != null) {
            engine.store(store);
        }
        if (configured) {
            AnthropicQuotaKeys pools = AnthropicQuotaKeys.of(ModelClasses.defaults());
            ApiKey key = ApiKey.of(env.apiKey());
            QuotaKey primary = pools.forModel(key, Scenario.PRIMARY);
            engine.limit(primary, Dimension.REQUESTS, Limit.perMinute(env.rpm()))
                    .limit(primary, Dimension.INPUT_TOKENS, Limit.perMinute(env.itpm()))
                    .limit(primary, Dimension.OUTPUT_TOKENS, Limit.perMinute(env.otpm()));
            QuotaKey fallback = pools.forModel(key, Scenario.FALLBACK);
            engine.limit(fallback, Dimension.REQUESTS, Limit.perMinute(50))
                    .limit(fallback, Dimension.INPUT_TOKENS, Limit.perMinute(50_000))
                    .limit(fallback, Dimension.OUTPUT_TOKENS, Limit.perMinute(10_000));
        }
        Pacer pacer = engine.build();
        AnthropicPacer.Builder b = AnthropicPacer.builder().http(env.http()).apiKey(env.apiKey()).pacer(pacer)
                .fallbackModels(env.fallback() ? List.of(Scenario.FALLBACK) : List.of());
        if (env.openAiBaseUrl() != null) {
            // The last resort of storm-openai: limits learned from the endpoint's x-ratelimit-* headers, configured or not.
            b.fallback(OpenAiFallback.builder(OpenAiEndpoint.of(Scenario.OPENAI_FALLBACK, env.openAiBaseUrl(), "sk-openai-bench")).pacer(pacer).build());
        }
        this.claude = b.build();
    }

    @Override
    public String name() {
        return store != null ? "pacer-redis" : configured ? "pacer" : "pacer-zero-config";
    }

    @Override
    public String concurrency() {
        return "quota-driven";
    }

    @Override
    public CompletableFuture<String> submit(Job job) {
        Priority priority = job.interactive() ? Priority.INTERACTIVE : Priority.BULK;
        var deadline = job.deadlineSeconds() > 0
                ? env.clock().instant().plus(Duration.ofNanos((long) (job.deadlineSeconds() * 1e9)))
                : null;
        return claude.messages(job.params(Scenario.PRIMARY), priority, deadline)
                .handle((reply, failure) -> failure == null ? reply.model() : null);
    }

    @Override
    public void close() {
        claude.close();
        if (store != null) {
            store.close();
        }
    }
}
