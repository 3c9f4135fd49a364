package dev.pacer.openai.internal;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pacer.openai.OpenAiQuotaModel;
import dev.pacer.outcome.Outcome;
import dev.pacer.outcome.OutcomeFamily;
import dev.pacer.outcome.RetryHints;
import dev.pacer.quota.Dimension;
import org.junit.jupiter.api.Test;

class ChatClassifierTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private static Outcome classify(int status, String body, String requestId) throws Exception {
        return ChatClassifier.classify(status, body == null ? null : JSON.readTree(body), RetryHints.NONE, null, requestId);
    }

    private static String error(String type, String code, String message) {
        return JSON.createObjectNode().set("error", JSON.createObjectNode().put("type", type).put("code", code).put("message", message)).toString();
    }

    @Test
    void a429RateLimitNamesItsDimensionAndIsRetried() throws Exception {
        Outcome tokens = classify(429, error("tokens", "rate_limit_exceeded", "Rate limit reached ... Please try again in 644ms."), "req_abc12345");
        assertThat(tokens.family()).isEqualTo(OutcomeFamily.RATE_LIMITED);
        assertThat(tokens.dimension()).isEqualTo(OpenAiQuotaModel.TOKENS);
        assertThat(tokens.message()).endsWith("(x-request-id req_abc12345)");
        assertThat(classify(429, error("requests", "rate_limit_exceeded", "x"), null).dimension()).isEqualTo(Dimension.REQUESTS);
    }

    @Test
    void aSpentQuotaIsASpendCapNeverRetried() throws Exception {
        for (String code : new String[] {"insufficient_quota", "credit_balance_exhausted"}) {
            Outcome o = classify(429, error(code, code, "You exceeded your current quota"), "req_abc12345");
            assertThat(o.family()).isEqualTo(OutcomeFamily.SPEND_CAP);
            assertThat(o.hints().shouldRetry()).isFalse();
            assertThat(o.hints().resumeAt()).isNull();
        }
        assertThat(classify(429, error("tokens", "rate_limit_exceeded", "Request too large for gpt-4o"), null).family())
                .isEqualTo(OutcomeFamily.REQUEST_ERROR);
    }

    @Test
    void statusesMapToFamilies() throws Exception {
        assertThat(classify(500, error("server_error", null, "oops"), null).family()).isEqualTo(OutcomeFamily.SERVER_ERROR);
        assertThat(classify(503, null, null).family()).isEqualTo(OutcomeFamily.OVERLOADED);
        assertThat(classify(408, null, null).family()).isEqualTo(OutcomeFamily.TIMEOUT);
        assertThat(classify(401, error("invalid_request_error", "invalid_api_key", "Incorrect API key provided: sk-test-not-a-real-key."), null))
                .satisfies(o -> {
                    assertThat(o.family()).isEqualTo(OutcomeFamily.AUTH_ERROR);
                    assertThat(o.message()).doesNotContain("sk-test-not-a-real-key").contains("[key removed]");
                });
        Outcome bad = classify(400, error("invalid_request_error", null, "Invalid 'messages'"), "req_abc12345");
        assertThat(bad.family()).isEqualTo(OutcomeFamily.REQUEST_ERROR);
        assertThat(bad.message()).isEqualTo("Invalid 'messages' (x-request-id req_abc12345)");
        assertThat(classify(404, null, "sk-not-an-id-but-a-key").message()).doesNotContain("sk-");
        assertThat(classify(200, "{}", null).isSuccess()).isTrue();
    }
}
