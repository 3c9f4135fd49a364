package dev.pacer.anthropic;

import dev.pacer.outcome.Outcome;
import dev.pacer.quota.Cost;
import dev.pacer.quota.Dimension;
import dev.pacer.quota.Limit;
import dev.pacer.spi.QuotaModel;

/**
 * How Anthropic counts a pool: the {@link QuotaModel#perMinute() per-minute} rules (limits per
 * minute, output counted as it is generated, a 429 or a request that never arrived costs nothing),
 * plus the combined limit {@link #TOKENS}: "the most restrictive token limit in force"
 * ({@code anthropic-ratelimit-tokens-*}), which a workspace's combined per-minute limit sets and which
 * every cost therefore carries as {@code input + output} ({@link #complete}). Without a workspace limit
 * it is the sum of the input and output limits and never binds before they do.
 */
public final class AnthropicQuotaModel implements QuotaModel {

    /** Input and output tokens together: Anthropic's combined limit. */
    public static final Dimension TOKENS = Dimension.of("tokens");

    private static final AnthropicQuotaModel INSTANCE = new AnthropicQuotaModel();
    private static final QuotaModel RULES = QuotaModel.perMinute();

    private AnthropicQuotaModel() {
    }

    /** The model (immutable, shared). */
    public static AnthropicQuotaModel instance() {
        return INSTANCE;
    }

    @Override
    public Limit limitOf(Dimension dimension, long reported) {
        return RULES.limitOf(dimension, reported);
    }

    @Override
    public boolean countedAsGenerated(Dimension dimension) {
        return RULES.countedAsGenerated(dimension);
    }

    /** Output tokens: counted as they are generated (the 2026 rule), so admission may pace them by the speed of generation. */
    @Override
    public boolean generatedOverTime(Dimension dimension) {
        return dimension == Dimension.OUTPUT_TOKENS;
    }

    @Override
    public Cost chargedFor(Outcome outcome, Cost reserved) {
        return RULES.chargedFor(outcome, reserved);
    }

    /** {@code cost} with {@link #TOKENS} set to its input plus its output tokens. */
    @Override
    public Cost complete(Cost cost) {
        return cost.with(TOKENS, cost.get(Dimension.INPUT_TOKENS) + cost.get(Dimension.OUTPUT_TOKENS));
    }

    @Override
    public String toString() {
        return "AnthropicQuotaModel";
    }
}
