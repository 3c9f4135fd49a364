package dev.pacer.internal;

import dev.pacer.outcome.Outcome;
import dev.pacer.outcome.OutcomeFamily;
import dev.pacer.quota.Cost;
import dev.pacer.quota.Dimension;
import dev.pacer.quota.Limit;
import dev.pacer.spi.QuotaModel;

/** {@link QuotaModel#perMinute()}. */
public final class PerMinuteQuotaModel implements QuotaModel {

    public static final PerMinuteQuotaModel INSTANCE = new PerMinuteQuotaModel();

    private PerMinuteQuotaModel() {
    }

    @Override
    public Limit limitOf(Dimension dimension, long reported) {
        return Limit.perMinute(reported);
    }

    @Override
    public boolean countedAsGenerated(Dimension dimension) {
        return dimension == Dimension.OUTPUT_TOKENS;
    }

    @Override
    public Cost chargedFor(Outcome outcome, Cost reserved) {
        OutcomeFamily family = outcome.family();
        if (family == OutcomeFamily.RATE_LIMITED || family == OutcomeFamily.SPEND_CAP
                || (family == OutcomeFamily.CONNECTION_FAILURE && outcome.status() == 0)) {
            return Cost.ZERO;
        }
        return Cost.of(Dimension.REQUESTS, reserved.get(Dimension.REQUESTS));
    }

    @Override
    public String toString() {
        return "QuotaModel.perMinute()";
    }
}
