package dev.pacer.openai.internal;

import com.fasterxml.jackson.databind.JsonNode;
import dev.pacer.openai.OpenAiQuotaModel;
import dev.pacer.outcome.Outcome;
import dev.pacer.outcome.OutcomeFamily;
import dev.pacer.outcome.RetryHints;
import dev.pacer.quota.Dimension;
import dev.pacer.quota.RateLimitSnapshot;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * An OpenAI-compatible answer's status and error body as an outcome family. A 429 is a rate limit
 * (retried after the server's delay, naming {@code requests} or {@code tokens}) unless its code says
 * the quota itself is spent ({@code insufficient_quota}, {@code credit_balance_exhausted}): that is a
 * {@link OutcomeFamily#SPEND_CAP} with no resume date and {@code shouldRetry} false, never waited for,
 * and a request larger than the token limit ("Request too large") is a request error, since no wait
 * can make it fit. 408 is a timeout, 503 and 529 an overload, other 5xx server errors, 401 and 403 auth
 * errors, any other 4xx a request error with the server's message. A failure's message ends with
 * {@code (x-request-id ...)}, quoted only when shaped like an id, and never holds anything shaped like
 * an API key.
 */
public final class ChatClassifier {

    /** The codes of a spent quota: not a reason to wait, and the target is spent for the run. */
    public static final Set<String> QUOTA_SPENT = Set.of("insufficient_quota", "credit_balance_exhausted");

    private static final Pattern REQUEST_ID = Pattern.compile("(req_)?[A-Za-z0-9][A-Za-z0-9-]{7,79}");
    private static final Pattern KEY_LIKE = Pattern.compile("\\b(sk|key|pk)-[A-Za-z0-9_*.-]{6,}");

    private ChatClassifier() {
    }

    public static Outcome classify(int status, JsonNode body, RetryHints hints, RateLimitSnapshot snapshot, String requestId) {
        if (status >= 200 && status < 300) {
            return new Outcome(OutcomeFamily.SUCCESS, status, null, null, null, hints, snapshot);
        }
        JsonNode error = body == null ? null : body.path("error");
        String code = error == null ? null : text(error.path("code"));
        String type = error == null ? null : text(error.path("type"));
        String message = error == null ? null : text(error.path("message"));
        if (message == null) {
            message = "HTTP " + status + " without an error body";
        }
        message = withRequestId(safe(message), requestId);
        String errorType = code != null ? code : type;
        if (status == 429) {
            if ((code != null && QUOTA_SPENT.contains(code)) || (type != null && QUOTA_SPENT.contains(type))) {
                return new Outcome(OutcomeFamily.SPEND_CAP, status, errorType, message, null,
                        new RetryHints(null, Boolean.FALSE, null), snapshot);
            }
            if (message.startsWith("Request too large")) {
                return new Outcome(OutcomeFamily.REQUEST_ERROR, status, errorType, message, null, hints, snapshot);
            }
            Dimension dimension = "tokens".equals(type) ? OpenAiQuotaModel.TOKENS : "requests".equals(type) ? Dimension.REQUESTS : null;
            return new Outcome(OutcomeFamily.RATE_LIMITED, status, errorType == null ? "rate_limit_exceeded" : errorType, message, dimension,
                    hints, snapshot);
        }
        OutcomeFamily family;
        if (status == 408) {
            family = OutcomeFamily.TIMEOUT;
        } else if (status == 503 || status == 529) {
            family = OutcomeFamily.OVERLOADED;
        } else if (status >= 500 || status < 400) {
            family = OutcomeFamily.SERVER_ERROR;
        } else if (status == 401 || status == 403) {
            family = OutcomeFamily.AUTH_ERROR;
        } else {
            family = OutcomeFamily.REQUEST_ERROR;
        }
        return new Outcome(family, status, errorType, message, null, hints, snapshot);
    }

    /** A 2xx whose body is not what was asked: a server error, retried. */
    public static Outcome invalidResponse(int status, String what, RetryHints hints, RateLimitSnapshot snapshot, String requestId) {
        return new Outcome(OutcomeFamily.SERVER_ERROR, status, "invalid_response", withRequestId(what, requestId), null, hints, snapshot);
    }

    /** {@code message} ending with the request id, when there is one shaped like an id. */
    public static String withRequestId(String message, String requestId) {
        if (requestId == null || !REQUEST_ID.matcher(requestId).matches() || KEY_LIKE.matcher(requestId).find()) {
            return message;
        }
        return message + " (x-request-id " + requestId + ")";
    }

    /** A server's message with anything shaped like an API key blanked (a hostile server may echo one). */
    public static String safe(String message) {
        String oneLine = message.replaceAll("\\s*\\R\\s*", " ");
        String cut = oneLine.length() > 600 ? oneLine.substring(0, 600) + "..." : oneLine;
        return KEY_LIKE.matcher(cut).replaceAll("[key removed]");
    }

    private static String text(JsonNode n) {
        return n != null && n.isTextual() && !n.asText().isBlank() ? n.asText() : null;
    }
}
