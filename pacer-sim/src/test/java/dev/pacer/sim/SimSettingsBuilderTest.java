package dev.pacer.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** The builder makes each group as its setter is called: a bad value fails there, naming the setting and its range. */
class SimSettingsBuilderTest {

    @Test
    void aBadValueFailsAtItsSetterWithTheSettingAndTheAllowedRange() {
        SimSettingsBuilder b = SimSettings.builder();
        assertThatThrownBy(() -> b.timeScale(0)).hasMessage("time-scale must be more than 0 and at most 10000, not 0.0.");
        assertThatThrownBy(() -> b.burstRatio(1.5)).hasMessage("burst-ratio must be more than 0 and at most 1, not 1.5.");
        assertThatThrownBy(() -> b.windowSeconds(-1)).hasMessage("window-seconds must be more than 0, not -1.0.");
        assertThatThrownBy(() -> b.countTokensRpm(0)).hasMessage("count-tokens-rpm and batch-rpm must be at least 1, not 0 and 50.");
        assertThatThrownBy(() -> b.latency(-1, 80, 0)).hasMessage("latency.ttft must be 0 or more, not -1.0.");
        assertThatThrownBy(() -> b.models(ModelTable.defaults().with("my-model", "nope")))
                .hasMessage("Model class 'nope' is used by the model table but has no limits; add it under classes.");
        // The failed calls changed nothing.
        assertThat(b.build()).usingRecursiveComparison().isEqualTo(SimSettings.builder().build());
    }

    @Test
    void eachSetterChangesOnlyItsOwnFigureOfAGroup() {
        SimSettings s = SimSettings.builder().retryAfterMs(true).streamErrorRequestId(true).otpmMode(OtpmMode.RESERVE_MAX_TOKENS)
                .limitScope(LimitScope.ORGANIZATION).timeScale(60).debug(true).build();
        assertThat(s.protocol()).isEqualTo(new SimSettings.Protocol(true, true, true, true, true));
        assertThat(s.enforcement()).isEqualTo(new SimSettings.Enforcement(1.0, OtpmMode.RESERVE_MAX_TOKENS, OtpmOverrun.DEBT,
                LimitScope.ORGANIZATION));
        assertThat(s.time()).isEqualTo(new SimSettings.Time(60, null));
        assertThat(s.timeScale()).isEqualTo(60);
        assertThat(s.diagnostics()).isEqualTo(new SimSettings.Diagnostics(60, true));
        assertThat(s.toBuilder().build()).isEqualTo(s);
    }

    @Test
    void aTierSetsTheLimitsTheRequestOnlyLimitsAndTheBatchQueue() {
        SimSettings s = SimSettings.builder().tier(Tier.TIER_2).build();
        assertThat(s.limits().tier()).isEqualTo(Tier.TIER_2);
        assertThat(s.limits().classes().get("sonnet-4").rpm()).isEqualTo(1_000);
        assertThat(s.limits().countTokensRpm()).isEqualTo(Tier.TIER_2.countTokensRpm());
        assertThat(s.limits().batchRpm()).isEqualTo(Tier.TIER_2.batchRpm());
        assertThat(s.batches().queueLimit()).isEqualTo(Tier.TIER_2.batchQueueLimit());
    }
}
