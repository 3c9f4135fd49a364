package dev.pacer.anthropic.internal;

import com.fasterxml.jackson.databind.JsonNode;
import dev.pacer.anthropic.AnthropicQuotaModel;
import dev.pacer.outcome.Outcome;
import dev.pacer.outcome.OutcomeFamily;
import dev.pacer.outcome.RetryHints;
import dev.pacer.quota.Dimension;
import dev.pacer.quota.RateLimitSnapshot;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Turns an Anthropic response (status and error body) into an {@link Outcome}, by the rules of
 * the API reference: 429 is a rate limit unless {@code error.details.error_code} says the spend
 * limit was reached; 529 is an overload; 500/502/503/504 server errors; 408 a timeout; 400, 404,
 * 413, 422 request errors (a 400 about "specified API usage limits" is a customer-set spend cap);
 * 401/403 auth errors; 402 billing (a spend cap: fall back, do not retry).
 */
public final class Classifier {

    private static final Pattern REGAIN = Pattern.compile("regain access on (\\d{4}-\\d{2}-\\d{2})");
    private static final Pattern REQUEST_ID = Pattern.compile("req_[A-Za-z0-9]{1,64}");

    private Classifier() {
    }

    /**
     * The longest a spend cap can last: it lifts at 00:00 UTC on the 1st of the next month. A
     * "regain access" date further away is a broken or hostile body, and believing it would pause
     * the key for years.
     */
    static final java.time.Duration LONGEST_SPEND_CAP = java.time.Duration.ofDays(32);

    /** Classifies one response. {@code body} may be null or not JSON. */
    public static Outcome classify(int status, JsonNode body, RetryHints hints, RateLimitSnapshot snapshot) {
        return classify(status, body, hints, snapshot, null, null);
    }

    /**
     * Classifies one response received at {@code now}; a spend cap's resume date is believed only
     * within {@link #LONGEST_SPEND_CAP} of it (with {@code now} null, any date is).
     */
    public static Outcome classify(int status, JsonNode body, RetryHints hints, RateLimitSnapshot snapshot, Instant now) {
        return classify(status, body, hints, snapshot, now, null);
    }

    /**
     * As {@link #classify(int, JsonNode, RetryHints, RateLimitSnapshot, Instant)}, with the
     * response's {@code request-id} header (or null): a failure's message ends with
     * {@code (request-id req_…)}, from the header or else the body's {@code request_id}, so that
     * whoever reads the failure can quote it to Anthropic's support.
     */
    public static Outcome classify(int status, JsonNode body, RetryHints hints, RateLimitSnapshot snapshot, Instant now,
                                   String requestIdHeader) {
        JsonNode error = body == null ? null : body.path("error");
        String type = error == null || error.isMissingNode() ? null : text(error.path("type"));
        String message = error == null || error.isMissingNode() ? null : text(error.path("message"));
        if (status >= 200 && status < 300) {
            return new Outcome(OutcomeFamily.SUCCESS, status, null, null, null, hints, snapshot);
        }
        String requestId = requestId(requestIdHeader, body);
        OutcomeFamily family;
        Dimension dimension = null;
        RetryHints h = hints;
        String errorCode = error == null ? null : text(error.path("details").path("error_code"));
        switch (status) {
            case 429 -> {
                if ("enforced_spend_limit_reached".equals(errorCode)) {
                    family = OutcomeFamily.SPEND_CAP;
                    Instant resume = resumeAt(message);
                    if (resume != null && now != null && resume.isAfter(now.plus(LONGEST_SPEND_CAP))) {
                        resume = null;
                    }
                    h = new RetryHints(null, Boolean.FALSE, resume);
                } else {
                    family = OutcomeFamily.RATE_LIMITED;
                    dimension = dimension(message);
                }
            }
            case 529 -> family = OutcomeFamily.OVERLOADED;
            case 408 -> family = OutcomeFamily.TIMEOUT;
            case 401, 403 -> family = OutcomeFamily.AUTH_ERROR;
            case 402 -> family = OutcomeFamily.SPEND_CAP;
            case 409 -> family = OutcomeFamily.SERVER_ERROR;
            default -> {
                if (status >= 500) {
                    family = "overloaded_error".equals(type) ? OutcomeFamily.OVERLOADED : OutcomeFamily.SERVER_ERROR;
                } else if (status == 400 && message != null && message.startsWith("You have reached your specified")) {
                    family = OutcomeFamily.SPEND_CAP;
                } else {
                    family = OutcomeFamily.REQUEST_ERROR;
                }
            }
        }
        return new Outcome(family, status, type, withRequestId(message, requestId), dimension, h, snapshot);
    }

    /**
     * A 2xx whose body is not what the endpoint returns (a misbehaving server or proxy): a server
     * error, so it is retried and counts against the target's health.
     */
    public static Outcome invalidResponse(int status, String what, RetryHints hints, RateLimitSnapshot snapshot, String requestIdHeader) {
        return new Outcome(OutcomeFamily.SERVER_ERROR, status, "invalid_response", withRequestId(what, requestIdHeader),
                null, hints, snapshot);
    }

    /**
     * How a stream that had begun (a 200 and at least one event) ended with {@code event: error}:
     * its {@code error.type} decides what the breaker and the concurrency limit hear, as the same
     * error before the stream would have ({@code overloaded_error} an overload, {@code api_error}
     * a server error, {@code rate_limit_error} a rate limit; anything else a server error). The
     * status is 0: there is no HTTP status for it, the 200 was for the stream.
     *
     * @param data      the error event's data (may be null or not an error object)
     * @param requestId the stream's {@code request-id} header, or null (the data's {@code request_id} is used then)
     */
    public static Outcome streamError(JsonNode data, String requestId) {
        JsonNode error = data == null ? null : data.path("error");
        String type = error == null ? null : text(error.path("type"));
        String message = error == null ? null : text(error.path("message"));
        OutcomeFamily family = type == null ? OutcomeFamily.SERVER_ERROR : switch (type) {
            case "overloaded_error" -> OutcomeFamily.OVERLOADED;
            case "rate_limit_error" -> OutcomeFamily.RATE_LIMITED;
            default -> OutcomeFamily.SERVER_ERROR; // api_error, and any type the API adds
        };
        Dimension dimension = family == OutcomeFamily.RATE_LIMITED ? dimension(message) : null;
        return new Outcome(family, 0, type == null ? "error" : type,
                withRequestId(message == null ? "the stream broke off" : message, requestId(requestId, data)),
                dimension, RetryHints.NONE, null);
    }

    /**
     * The request id to quote: the header's, else the body's {@code request_id}, and only when it has
     * the API's shape ({@code req_} and letters and digits): a hostile server could put anything in a
     * header, and a failure message must never carry a key ({@code sk-ant-…} has hyphens, so it can
     * never pass).
     */
    public static String requestId(String header, JsonNode body) {
        if (header != null && REQUEST_ID.matcher(header.trim()).matches()) {
            return header.trim();
        }
        String fromBody = body == null ? null : text(body.path("request_id"));
        return fromBody != null && REQUEST_ID.matcher(fromBody).matches() ? fromBody : null;
    }

    /**
     * {@code message} followed by {@code (request-id req_…)} when {@code requestId} has the API's
     * shape (see {@link #requestId}); else {@code message} as it is.
     */
    public static String withRequestId(String message, String requestId) {
        requestId = requestId(requestId, null);
        if (requestId == null) {
            return message;
        }
        return message == null || message.isBlank() ? "request-id " + requestId : message + " (request-id " + requestId + ")";
    }

    /** The dimension a 429's message names ("... of 30,000 input tokens per minute"), or null. */
    static Dimension dimension(String message) {
        if (message == null) {
            return null;
        }
        String m = message.toLowerCase(Locale.ROOT);
        if (m.contains("input tokens per minute")) {
            return Dimension.INPUT_TOKENS;
        }
        if (m.contains("output tokens per minute")) {
            return Dimension.OUTPUT_TOKENS;
        }
        if (m.contains("requests per minute")) {
            return Dimension.REQUESTS;
        }
        if (m.contains("tokens per minute")) {
            return AnthropicQuotaModel.TOKENS; // a combined limit (a workspace's): "... of 40,000 tokens per minute"
        }
        return null;
    }

    static Instant resumeAt(String message) {
        if (message == null) {
            return null;
        }
        Matcher m = REGAIN.matcher(message);
        if (m.find()) {
            try {
                return LocalDate.parse(m.group(1)).atStartOfDay(ZoneOffset.UTC).toInstant();
            } catch (RuntimeException ignored) {
                return null;
            }
        }
        return null;
    }

    private static String text(JsonNode n) {
        return n == null || n.isMissingNode() || n.isNull() ? null : n.asText();
    }
}
