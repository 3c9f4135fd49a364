package dev.pacer.openai;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pacer.outcome.Outcome;
import dev.pacer.outcome.OutcomeFamily;
import dev.pacer.quota.Cost;
import dev.pacer.quota.Dimension;
import org.junit.jupiter.api.Test;

class OpenAiQuotaModelTest {

    private final OpenAiQuotaModel model = OpenAiQuotaModel.instance();
    private final Cost reserved = model.complete(Cost.requests(1, 300, 200));

    @Test
    void everyDimensionIsCountedAtArrivalAndTokensCombineInputAndRequestedOutput() {
        assertThat(reserved.get(OpenAiQuotaModel.TOKENS)).isEqualTo(500);
        for (Dimension d : new Dimension[] {Dimension.REQUESTS, Dimension.INPUT_TOKENS, Dimension.OUTPUT_TOKENS, OpenAiQuotaModel.TOKENS}) {
            assertThat(model.countedAsGenerated(d)).isFalse();
        }
        assertThat(model.limitOf(Dimension.REQUESTS, 60).capacity()).isEqualTo(60);
    }

    @Test
    void refusedCallsCostNothingAndCountedOnesTheirReservation() {
        for (OutcomeFamily f : new OutcomeFamily[] {OutcomeFamily.RATE_LIMITED, OutcomeFamily.SPEND_CAP, OutcomeFamily.REQUEST_ERROR,
                OutcomeFamily.AUTH_ERROR}) {
            assertThat(model.chargedFor(new Outcome(f, 429, null, null, null, null, null), reserved)).as(f.name()).isEqualTo(Cost.ZERO);
        }
        assertThat(model.chargedFor(Outcome.failure(OutcomeFamily.CONNECTION_FAILURE, "refused"), reserved)).isEqualTo(Cost.ZERO);
        assertThat(model.chargedFor(new Outcome(OutcomeFamily.SERVER_ERROR, 500, null, null, null, null, null), reserved)).isEqualTo(reserved);
        assertThat(model.chargedFor(Outcome.failure(OutcomeFamily.TIMEOUT, "late"), reserved)).isEqualTo(reserved);
        assertThat(OpenAiResponses.charged(new com.fasterxml.jackson.databind.ObjectMapper().createObjectNode()
                .put("prompt_tokens", 120).put("completion_tokens", 30), 200).get(OpenAiQuotaModel.TOKENS)).isEqualTo(320);
        // A hostile server's usage cannot make a debt out of nothing, nor a refund.
        var mapper = new com.fasterxml.jackson.databind.ObjectMapper();
        assertThat(OpenAiResponses.charged(mapper.createObjectNode().put("prompt_tokens", -5).put("completion_tokens", 9_999_999), 200)
                .get(OpenAiQuotaModel.TOKENS)).isEqualTo(200);
        assertThat(OpenAiResponses.charged(mapper.createObjectNode().put("prompt_tokens", 1L << 50), 200).get(Dimension.INPUT_TOKENS))
                .isEqualTo(10_000_000);
    }
}
