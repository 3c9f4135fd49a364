package dev.pacer.anthropic.internal;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pacer.anthropic.AnthropicQuotaModel;
import dev.pacer.outcome.Outcome;
import dev.pacer.outcome.OutcomeFamily;
import dev.pacer.outcome.RetryHints;
import dev.pacer.quota.Dimension;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class ClassifierTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** Classifies {@code body} as it comes off the wire: parsed as the pipeline parses it (not JSON: no body). */
    private static Outcome classify(int status, String body) {
        return Classifier.classify(status, body == null ? null : Json.parse(body.getBytes(StandardCharsets.UTF_8)), RetryHints.NONE, null);
    }

    private static String error(String type, String message) {
        return "{\"type\":\"error\",\"error\":{\"type\":\"" + type + "\",\"message\":\"" + message + "\"},\"request_id\":\"req_1\"}";
    }

    @Test
    void statusesAndTypesMapToFamiliesAsInTheReference() throws Exception {
        assertThat(classify(200, "{}").family()).isEqualTo(OutcomeFamily.SUCCESS);
        Outcome limited = classify(429, error("rate_limit_error",
                "This request would exceed the rate limit for your organization (x) of 8,000 output tokens per minute."));
        assertThat(limited.family()).isEqualTo(OutcomeFamily.RATE_LIMITED);
        assertThat(limited.dimension()).isEqualTo(Dimension.OUTPUT_TOKENS);
        assertThat(classify(429, error("rate_limit_error", "... of 50 requests per minute ...")).dimension()).isEqualTo(Dimension.REQUESTS);
        assertThat(classify(529, error("overloaded_error", "Overloaded")).family()).isEqualTo(OutcomeFamily.OVERLOADED);
        assertThat(classify(500, error("api_error", "x")).family()).isEqualTo(OutcomeFamily.SERVER_ERROR);
        assertThat(classify(504, error("timeout_error", "x")).family()).isEqualTo(OutcomeFamily.SERVER_ERROR);
        Outcome html = classify(503, "<html><body><h1>503 Service Temporarily Unavailable</h1></body></html>");
        assertThat(html.family()).isEqualTo(OutcomeFamily.SERVER_ERROR);
        assertThat(html.errorType()).isNull();
        assertThat(html.message()).as("an HTML page is no error message").isNull();
        for (int s : new int[] {400, 404, 413, 422}) {
            assertThat(classify(s, error("invalid_request_error", "x")).family()).isEqualTo(OutcomeFamily.REQUEST_ERROR);
        }
        assertThat(classify(401, error("authentication_error", "x")).family()).isEqualTo(OutcomeFamily.AUTH_ERROR);
        assertThat(classify(403, error("permission_error", "x")).family()).isEqualTo(OutcomeFamily.AUTH_ERROR);
        assertThat(classify(408, null).family()).isEqualTo(OutcomeFamily.TIMEOUT);
    }

    @Test
    void aSpendCapIsToldApartFromARateLimitByItsErrorCode() throws Exception {
        Outcome cap = classify(429, "{\"type\":\"error\",\"error\":{\"type\":\"rate_limit_error\",\"message\":\"You have reached your API usage limits. "
                + "You will regain access on 2026-12-01 at 00:00 UTC.\",\"details\":{\"error_code\":\"enforced_spend_limit_reached\"}}}");
        assertThat(cap.family()).isEqualTo(OutcomeFamily.SPEND_CAP);
        assertThat(cap.hints().resumeAt()).isEqualTo(Instant.parse("2026-12-01T00:00:00Z"));
        assertThat(cap.hints().shouldRetry()).isFalse();
        assertThat(classify(400, error("invalid_request_error", "You have reached your specified API usage limits.")).family())
                .isEqualTo(OutcomeFamily.SPEND_CAP);
    }

    private static String spendCap(String date) {
        return "{\"type\":\"error\",\"error\":{\"type\":\"rate_limit_error\",\"message\":\"You have reached your API usage limits. "
                + "You will regain access on " + date + " at 00:00 UTC.\",\"details\":{\"error_code\":\"enforced_spend_limit_reached\"}}}";
    }

    @Test
    void aSpendCapResumeDateIsBelievedOnlyWithinAMonth() throws Exception {
        Instant now = Instant.parse("2026-11-24T12:00:00Z");
        Outcome nextMonth = Classifier.classify(429, JSON.readTree(spendCap("2026-12-01")), RetryHints.NONE, null, now);
        assertThat(nextMonth.family()).isEqualTo(OutcomeFamily.SPEND_CAP);
        assertThat(nextMonth.hints().resumeAt()).isEqualTo(Instant.parse("2026-12-01T00:00:00Z"));
        // A body saying 2099 would pause the key for 73 years: still a spend cap (no retry), but no such pause.
        Outcome hostile = Classifier.classify(429, JSON.readTree(spendCap("2099-01-01")), RetryHints.NONE, null, now);
        assertThat(hostile.family()).isEqualTo(OutcomeFamily.SPEND_CAP);
        assertThat(hostile.hints().shouldRetry()).isFalse();
        assertThat(hostile.hints().resumeAt()).isNull();
    }

    @Test
    void theRestOfTheReferenceTable() throws Exception {
        // 402 billing: nothing helps on this key; 409 conflict is retried like the SDKs do; 413 from Cloudflare may be HTML.
        assertThat(classify(402, error("billing_error", "x")).family()).isEqualTo(OutcomeFamily.SPEND_CAP);
        assertThat(classify(409, error("conflict_error", "x")).family()).isEqualTo(OutcomeFamily.SERVER_ERROR);
        assertThat(Classifier.classify(413, null, RetryHints.NONE, null).family()).isEqualTo(OutcomeFamily.REQUEST_ERROR);
        assertThat(classify(502, null).family()).isEqualTo(OutcomeFamily.SERVER_ERROR);
        // A 429 without details is a rate limit even when its message names no dimension (acceleration limits).
        Outcome acceleration = classify(429, error("rate_limit_error", "Your usage rose too fast."));
        assertThat(acceleration.family()).isEqualTo(OutcomeFamily.RATE_LIMITED);
        assertThat(acceleration.dimension()).isNull();
        assertThat(classify(429, error("rate_limit_error", "... of 30,000 input tokens per minute ...")).dimension())
                .isEqualTo(Dimension.INPUT_TOKENS);
        // A combined limit (a workspace's, or the legacy TPM): "tokens per minute" with no input or output before it.
        assertThat(classify(429, error("rate_limit_error", "... of 40,000 tokens per minute ...")).dimension()).isEqualTo(AnthropicQuotaModel.TOKENS);
        // The hints (x-should-retry among them) travel with the outcome for the engine to honour.
        RetryHints noRetry = new RetryHints(null, Boolean.FALSE, null);
        assertThat(Classifier.classify(529, JSON.readTree(error("overloaded_error", "Overloaded")), noRetry, null).hints().shouldRetry())
                .isFalse();
    }

    @Test
    void aFailureQuotesTheRequestIdOfTheHeaderOrElseOfTheBody() throws Exception {
        String body = "{\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"},"
                + "\"request_id\":\"req_011CSHoEeqs5C35K2UUqR7Fy\"}";
        Outcome fromHeader = Classifier.classify(529, JSON.readTree(body), RetryHints.NONE, null, null, "req_018EeWyXxfu5pfWkrYcMdjWG");
        assertThat(fromHeader.message()).isEqualTo("Overloaded (request-id req_018EeWyXxfu5pfWkrYcMdjWG)");
        assertThat(fromHeader.describe()).isEqualTo("529 overloaded_error: Overloaded (request-id req_018EeWyXxfu5pfWkrYcMdjWG)");
        Outcome fromBody = Classifier.classify(529, JSON.readTree(body), RetryHints.NONE, null, null, null);
        assertThat(fromBody.message()).isEqualTo("Overloaded (request-id req_011CSHoEeqs5C35K2UUqR7Fy)");
        // No message at all (an HTML 502): the id alone.
        assertThat(Classifier.classify(502, null, RetryHints.NONE, null, null, "req_abc").message()).isEqualTo("request-id req_abc");
        // A success carries no message.
        assertThat(Classifier.classify(200, null, RetryHints.NONE, null, null, "req_abc").message()).isNull();
    }

    @Test
    void aRequestIdThatIsNotShapedLikeOneIsNeverQuoted() throws Exception {
        // A hostile or broken server may echo anything; a key (sk-ant-..., with hyphens) can never pass.
        for (String hostile : new String[] {"sk-ant-test-SECRET", "req_sk-ant-test-SECRET", "req_", "req_a b", "req_a\r\nx: y",
                "req_" + "a".repeat(65), "  "}) {
            Outcome o = Classifier.classify(529, JSON.readTree(error("overloaded_error", "Overloaded").replace("req_1", "x")),
                    RetryHints.NONE, null, null, hostile);
            assertThat(o.message()).as(hostile).isEqualTo("Overloaded");
        }
        Outcome bodyOnly = Classifier.classify(500, JSON.readTree("{\"error\":{\"type\":\"api_error\",\"message\":\"x\"},"
                + "\"request_id\":\"sk-ant-test-SECRET\"}"), RetryHints.NONE, null, null, null);
        assertThat(bodyOnly.message()).isEqualTo("x");
    }

    @Test
    void aMidStreamErrorIsClassifiedByItsTypeAsTheSameErrorBeforeTheStreamWouldBe() throws Exception {
        assertThat(Classifier.streamError(JSON.readTree("{\"type\": \"error\", \"error\": {\"type\": \"overloaded_error\", "
                + "\"message\": \"Overloaded\"}}"), "req_abc")).satisfies(o -> {
                    assertThat(o.family()).isEqualTo(OutcomeFamily.OVERLOADED);
                    assertThat(o.errorType()).isEqualTo("overloaded_error");
                    assertThat(o.status()).isZero();
                    assertThat(o.describe()).isEqualTo("overloaded_error: Overloaded (request-id req_abc)");
                });
        assertThat(Classifier.streamError(JSON.readTree(error("api_error", "Internal server error")), null).family())
                .isEqualTo(OutcomeFamily.SERVER_ERROR);
        Outcome limited = Classifier.streamError(JSON.readTree(error("rate_limit_error", "... of 8,000 output tokens per minute")), null);
        assertThat(limited.family()).isEqualTo(OutcomeFamily.RATE_LIMITED);
        assertThat(limited.dimension()).isEqualTo(Dimension.OUTPUT_TOKENS);
        assertThat(limited.message()).endsWith("(request-id req_1)"); // from the data's request_id when the header had none
        assertThat(Classifier.streamError(JSON.readTree(error("some_new_error", "x")), null).family()).isEqualTo(OutcomeFamily.SERVER_ERROR);
        assertThat(Classifier.streamError(null, null).family()).isEqualTo(OutcomeFamily.SERVER_ERROR);
    }
}
