package dev.pacer.anthropic;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pacer.quota.Cost;
import dev.pacer.quota.Dimension;
import dev.pacer.quota.Priority;
import dev.pacer.route.Target;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A Messages request as a call: its route, its body per target, and its cost estimated again at the head of the line. */
class MessagesCallTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final ApiKey KEY = ApiKey.of("sk-ant-test-calls");

    private static ObjectNode params(String model, int maxTokens) {
        ObjectNode p = JSON.createObjectNode().put("model", model).put("max_tokens", maxTokens);
        p.putArray("messages").addObject().put("role", "user").put("content", "Summarize: " + "the quota bucket ".repeat(100));
        return p;
    }

    @Test
    void theRouteIsTheRequestsModelThenTheFallbacksEachOnItsPoolAndModel() throws Exception {
        AnthropicCalls calls = AnthropicCalls.builder().fallbackModels(List.of("claude-haiku-4-5", "claude-opus-4-5")).build();
        MessagesCall call = calls.messages(KEY, params("claude-opus-4-5", 100), Priority.BULK, null, -1);
        List<Target> route = call.spec().route().targets();
        assertThat(route).extracting(Target::model).containsExactly("claude-opus-4-5", "claude-haiku-4-5");
        assertThat(route).allSatisfy(t -> assertThat(t.quotaModel()).isEqualTo(AnthropicQuotaModel.instance()));
        assertThat(route.get(1).quotaKey()).isEqualTo(AnthropicQuotaKeys.forModelClass(KEY, "haiku-4-5"));
        assertThat(call.spec().priority()).isEqualTo(Priority.BULK);
        JsonNode fallbackBody = JSON.readTree(call.body(route.get(1)));
        assertThat(fallbackBody.path("model").asText()).isEqualTo("claude-haiku-4-5");
        assertThat(call.params().path("model").asText()).as("the caller's request is left alone").isEqualTo("claude-opus-4-5");
        assertThat(calls.target(KEY, "claude-haiku-4-5")).as("one target per key and model").isSameAs(route.get(1));
        assertThat(catchThrowable(() -> calls.messages(KEY, JSON.createObjectNode(), Priority.NORMAL, null, -1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("no model");
    }

    @Test
    void theRequestsOwnBytesAreSentOnItsOwnModel() {
        byte[] asSent = "{\"model\":\"claude-haiku-4-5\" , \"max_tokens\":10,\"messages\":[]}".getBytes();
        AnthropicCalls calls = AnthropicCalls.builder().build();
        ObjectNode p = JSON.createObjectNode().put("model", "claude-haiku-4-5").put("max_tokens", 10);
        MessagesCall call = calls.messages(KEY, p, asSent, Priority.NORMAL, null, -1);
        assertThat(call.body(call.spec().route().primary())).isSameAs(asSent);
    }

    @Test
    void eachEstimateFollowsWhatWasLearnedSinceTheCallWasQueued() {
        TokenEstimator estimator = TokenEstimator.defaults();
        AnthropicCalls calls = AnthropicCalls.builder().estimator(estimator).build();
        MessagesCall call = calls.messages(KEY, params("claude-haiku-4-5", 1_000), Priority.NORMAL, null, -1);
        Target haiku = call.spec().route().primary();
        Cost queued = call.spec().cost().apply(haiku);
        assertThat(queued.get(Dimension.OUTPUT_TOKENS)).isEqualTo(1_000);
        assertThat(queued.get(AnthropicQuotaModel.TOKENS)).isEqualTo(queued.get(Dimension.INPUT_TOKENS) + 1_000);
        TokenEstimator.Estimate first = call.estimate(haiku);
        for (int i = 0; i < 5; i++) {
            estimator.learn("haiku-4-5", first, first.rawInput(), 10, 1_000);
        }
        Cost atTheHead = call.spec().cost().apply(haiku);
        assertThat(atTheHead.get(Dimension.OUTPUT_TOKENS)).isEqualTo(13); // 1.25 x the largest share seen
        assertThat(call.estimate(haiku).rawByKind()).as("the character counts are kept").isSameAs(first.rawByKind());
    }

    @Test
    void theProvidersCountHoldsForTheRequestsOwnModelOnly() {
        AnthropicCalls calls = AnthropicCalls.builder().fallbackModels(List.of("claude-haiku-4-5")).build();
        MessagesCall call = calls.messages(KEY, params("claude-sonnet-4-5", 100), Priority.NORMAL, null, 4_321);
        List<Target> route = call.spec().route().targets();
        assertThat(call.spec().cost().apply(route.get(0)).get(Dimension.INPUT_TOKENS)).isEqualTo(4_321);
        assertThat(call.spec().cost().apply(route.get(1)).get(Dimension.INPUT_TOKENS)).isNotEqualTo(4_321);
    }
}
