package dev.pacer.anthropic;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pacer.outcome.Outcome;
import dev.pacer.outcome.OutcomeFamily;
import dev.pacer.outcome.RetryHints;
import dev.pacer.quota.Dimension;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class ClassifierTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private static Outcome classify(int status, String body) throws Exception {
        return Classifier.classify(status, body == null ? null : JSON.readTree(body), RetryHints.NONE, null);
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
        assertThat(classify(503, "<html>bad gateway</html>".isEmpty() ? null : null).family()).isEqualTo(OutcomeFamily.SERVER_ERROR);
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
        // The hints (x-should-retry among them) travel with the outcome for the engine to honour.
        RetryHints noRetry = new RetryHints(null, Boolean.FALSE, null);
        assertThat(Classifier.classify(529, JSON.readTree(error("overloaded_error", "Overloaded")), noRetry, null).hints().shouldRetry())
                .isFalse();
    }
}
