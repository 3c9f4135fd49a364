package dev.pacer.openai;

import dev.pacer.outcome.Outcome;
import dev.pacer.outcome.OutcomeFamily;
import dev.pacer.quota.Cost;
import dev.pacer.quota.Dimension;
import dev.pacer.quota.Limit;
import dev.pacer.spi.QuotaModel;

/**
 * How an OpenAI-compatible server counts a pool: requests per minute, and one combined
 * tokens-per-minute limit ({@link #TOKENS}, {@code x-ratelimit-*-tokens}) that charges a request its
 * input plus its requested output ({@code max_tokens}) when it arrives. Every dimension is therefore
 * counted at arrival ({@link #countedAsGenerated} is false): a snapshot's {@code remaining} already
 * holds the calls still generating. What a refused call costs: nothing for a 429, a spent quota, a
 * request or auth error (the server refuses those before it counts), or a connection that never
 * carried the request; the whole reservation for a server error or a timeout after sending, because
 * the server had counted the call when it arrived.
 */
public final class OpenAiQuotaModel implements QuotaModel {

    /** Input and requested output together: OpenAI's tokens-per-minute limit. */
    public static final Dimension TOKENS = Dimension.of("tokens");

    private static final OpenAiQuotaModel INSTANCE = new OpenAiQuotaModel();

    private OpenAiQuotaModel() {
    }

    /** The model (immutable, shared). */
    public static OpenAiQuotaModel instance() {
        return INSTANCE;
    }

    @Override
    public Limit limitOf(Dimension dimension, long reported) {
        return Limit.perMinute(reported);
    }

    @Override
    public boolean countedAsGenerated(Dimension dimension) {
        return false;
    }

    @Override
    public Cost chargedFor(Outcome outcome, Cost reserved) {
        OutcomeFamily family = outcome.family();
        boolean neverCounted = family == OutcomeFamily.RATE_LIMITED || family == OutcomeFamily.SPEND_CAP || family.isCallersFault()
                || (family == OutcomeFamily.CONNECTION_FAILURE && outcome.status() == 0);
        return neverCounted ? Cost.ZERO : reserved;
    }

    /** {@code cost} with {@link #TOKENS} set to its input plus its output tokens. */
    @Override
    public Cost complete(Cost cost) {
        return cost.with(TOKENS, cost.get(Dimension.INPUT_TOKENS) + cost.get(Dimension.OUTPUT_TOKENS));
    }

    @Override
    public String toString() {
        return "OpenAiQuotaModel";
    }
}
