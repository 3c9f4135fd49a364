package dev.pacer.anthropic;

import com.fasterxml.jackson.databind.JsonNode;
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
        return classify(status, body, hints, snapshot, null);
    }

    /**
     * Classifies one response received at {@code now}; a spend cap's resume date is believed only
     * within {@link #LONGEST_SPEND_CAP} of it (with {@code now} null, any date is).
     */
    public static Outcome classify(int status, JsonNode body, RetryHints hints, RateLimitSnapshot snapshot, Instant now) {
        JsonNode error = body == null ? null : body.path("error");
        String type = error == null || error.isMissingNode() ? null : text(error.path("type"));
        String message = error == null || error.isMissingNode() ? null : text(error.path("message"));
        if (status >= 200 && status < 300) {
            return new Outcome(OutcomeFamily.SUCCESS, status, null, null, null, hints, snapshot);
        }
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
        return new Outcome(family, status, type, message, dimension, h, snapshot);
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
