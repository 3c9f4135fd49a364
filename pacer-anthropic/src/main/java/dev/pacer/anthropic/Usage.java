package dev.pacer.anthropic;

import com.fasterxml.jackson.databind.JsonNode;
import dev.pacer.quota.Cost;
import dev.pacer.quota.Dimension;

/**
 * A response's {@code usage} in the engine's terms. What counts toward input-tokens-per-minute is
 * {@code input_tokens + cache_creation_input_tokens}, plus cache reads only for classes that count
 * them; output is {@code output_tokens}.
 *
 * @param input         uncached input tokens
 * @param cacheCreation tokens written to the cache
 * @param cacheRead     tokens read from the cache
 * @param output        output tokens
 */
public record Usage(long input, long cacheCreation, long cacheRead, long output) {

    /** Input and output tokens together: {@link AnthropicQuotaModel#TOKENS}, the combined limit. */
    public static final Dimension TOKENS = AnthropicQuotaModel.TOKENS;

    /**
     * More input than any request can hold: ten times the largest context window documented (1M
     * tokens). A figure above it is a broken or hostile answer, not a count.
     */
    static final long MAX_INPUT = 10_000_000;

    /** Negative counts (a broken answer) are read as 0: a cost below zero would fail the settlement. */
    public Usage {
        input = Math.max(0, input);
        cacheCreation = Math.max(0, cacheCreation);
        cacheRead = Math.max(0, cacheRead);
        output = Math.max(0, output);
    }

    /** Reads a {@code usage} object (missing fields are 0). */
    public static Usage of(JsonNode usage) {
        return new Usage(usage.path("input_tokens").asLong(0), usage.path("cache_creation_input_tokens").asLong(0),
                usage.path("cache_read_input_tokens").asLong(0), usage.path("output_tokens").asLong(0));
    }

    /** Later stream usage (cumulative) overrides what was known, field by field. */
    public Usage merge(JsonNode later) {
        return new Usage(later.has("input_tokens") ? later.path("input_tokens").asLong() : input,
                later.has("cache_creation_input_tokens") ? later.path("cache_creation_input_tokens").asLong() : cacheCreation,
                later.has("cache_read_input_tokens") ? later.path("cache_read_input_tokens").asLong() : cacheRead,
                later.has("output_tokens") ? later.path("output_tokens").asLong() : output);
    }

    /**
     * This usage bounded by what the API can have counted for a request with {@code maxTokens}:
     * output never exceeds {@code max_tokens}, and input never exceeds {@link #MAX_INPUT}. Settling
     * an absurd figure would put the local bucket into a debt that blocks every later call.
     */
    public Usage plausible(long maxTokens) {
        return new Usage(Math.min(input, MAX_INPUT), Math.min(cacheCreation, MAX_INPUT), Math.min(cacheRead, MAX_INPUT),
                maxTokens > 0 ? Math.min(output, maxTokens) : output);
    }

    /** Every input token, cached or not (what an estimator predicts). */
    public long totalInput() {
        return input + cacheCreation + cacheRead;
    }

    /** What this usage costs against the rate limits. */
    public Cost cost(boolean countCacheReads) {
        return costOf(input + cacheCreation + (countCacheReads ? cacheRead : 0), output);
    }

    /**
     * What one Messages request of {@code inputTokens} (as counted toward the input limit) and
     * {@code outputTokens} costs against the rate limits: a request, its input, its output, and
     * both in {@link #TOKENS} ({@link AnthropicQuotaModel#complete}). Every estimate and every settlement is
     * shaped so.
     */
    public static Cost costOf(long inputTokens, long outputTokens) {
        return AnthropicQuotaModel.instance().complete(Cost.requests(1, inputTokens, outputTokens));
    }
}
