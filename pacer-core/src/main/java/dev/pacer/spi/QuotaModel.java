package dev.pacer.spi;

import dev.pacer.internal.PerMinuteQuotaModel;
import dev.pacer.outcome.Outcome;
import dev.pacer.quota.Cost;
import dev.pacer.quota.Dimension;
import dev.pacer.quota.Limit;

/**
 * How a provider counts one quota: what a reported limit means, when a dimension is counted, what a
 * refused call costs, and which dimensions are derived from others. Supplied by the provider on each
 * {@link dev.pacer.route.Target}; the engine knows no provider and asks the model instead.
 *
 * <p>A model must be immutable and cheap to call: the engine asks it on every reservation of its
 * key and on every provider snapshot.
 */
public interface QuotaModel {

    /**
     * The rules most providers follow: limits are per minute with a burst of the whole minute, output
     * tokens are counted as they are generated, a call refused for quota (429, spend cap) or that never
     * reached the provider costs nothing, any other failure one request.
     */
    static QuotaModel perMinute() {
        return PerMinuteQuotaModel.INSTANCE;
    }

    /**
     * The bucket a provider's reported limit for {@code dimension} stands for (for example 50 requests
     * per minute: a bucket of 50 refilling at 50/60 per second).
     */
    Limit limitOf(Dimension dimension, long reported);

    /**
     * Whether the provider counts {@code dimension} as the answer is produced rather than when the
     * request arrives. Then a call still in flight has not been counted in a snapshot's
     * {@code remaining} (Anthropic: output tokens). A provider that reserves up front (OpenAI's
     * {@code max_tokens}) counts at arrival.
     */
    boolean countedAsGenerated(Dimension dimension);

    /**
     * Whether admission may rely on {@code dimension} reaching the provider's bucket only as fast as an
     * answer is generated (Anthropic's output tokens, counted token by token as they stream out): the
     * engine then learns how fast answers are produced and admits a call when the bucket, refilling
     * while the calls in flight generate at most at that speed, never runs dry, instead of only when
     * the whole reservation is in the bucket now. Default false: the reservation is taken as if it were
     * counted at once, which holds for any provider.
     */
    default boolean generatedOverTime(Dimension dimension) {
        return false;
    }

    /**
     * What an attempt that ended with {@code outcome} cost when the provider reported no usage.
     *
     * @param reserved what the attempt had reserved
     */
    Cost chargedFor(Outcome outcome, Cost reserved);

    /**
     * The cost with the dimensions derived from others filled in (a combined limit such as "tokens =
     * input + output"). Providers call it when they estimate and when they read usage; the default adds
     * nothing.
     */
    default Cost complete(Cost cost) {
        return cost;
    }
}
