package dev.pacer.anthropic;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pacer.outcome.Outcome;
import dev.pacer.outcome.OutcomeFamily;
import dev.pacer.quota.Cost;
import dev.pacer.quota.Dimension;
import dev.pacer.quota.Limit;
import dev.pacer.spi.QuotaModel;
import org.junit.jupiter.api.Test;

class AnthropicQuotaModelTest {

    private final AnthropicQuotaModel model = AnthropicQuotaModel.instance();

    @Test
    void everyCostCarriesTheCombinedTokensOfItsInputAndOutput() {
        Cost completed = model.complete(Cost.requests(1, 1_200, 800));
        assertThat(completed.get(AnthropicQuotaModel.TOKENS)).isEqualTo(2_000);
        assertThat(completed.get(Dimension.REQUESTS)).isEqualTo(1);
        assertThat(Usage.costOf(1_200, 800)).isEqualTo(completed);
        assertThat(model.complete(Cost.requests(1, 0, 0)).get(AnthropicQuotaModel.TOKENS)).isZero();
    }

    @Test
    void otherwiseItCountsAsThePerMinuteRules() {
        QuotaModel rules = QuotaModel.perMinute();
        Cost reserved = Usage.costOf(100, 50);
        for (OutcomeFamily family : OutcomeFamily.values()) {
            Outcome outcome = Outcome.failure(family, "x");
            assertThat(model.chargedFor(outcome, reserved)).as(family.name()).isEqualTo(rules.chargedFor(outcome, reserved));
        }
        assertThat(model.limitOf(Dimension.REQUESTS, 50)).isEqualTo(Limit.perMinute(50));
        assertThat(model.countedAsGenerated(Dimension.OUTPUT_TOKENS)).isTrue();
        assertThat(model.countedAsGenerated(AnthropicQuotaModel.TOKENS)).isFalse();
    }
}
