package dev.pacer.gateway.internal;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * The gateway's own answers in the API's error shape
 * ({@code {"type":"error","error":{"type":"invalid_request_error","message":"..."}}}), so a client's
 * SDK raises its usual exception for them. Messages never quote a key or a header's value.
 */
public final class ApiErrors {

    static final ObjectMapper JSON = new ObjectMapper();

    /** One refusal: status, error type, message and any headers (say {@code retry-after}). */
    public record ApiError(int status, String type, String message, Map<String, String> headers) {

        /** The body, in the API's shape. */
        public byte[] body() {
            return bodyText().getBytes(StandardCharsets.UTF_8);
        }

        /** The body as text. */
        public String bodyText() {
            ObjectNode root = JSON.createObjectNode();
            root.put("type", "error");
            ObjectNode error = root.putObject("error");
            error.put("type", type);
            error.put("message", message);
            return root.toString();
        }
    }

    private ApiErrors() {
    }

    public static ApiError invalidRequest(String message) {
        return new ApiError(400, "invalid_request_error", message, Map.of());
    }

    public static ApiError authentication(String message) {
        return new ApiError(401, "authentication_error", message, Map.of("x-should-retry", "false"));
    }

    public static ApiError notFound(String message) {
        return new ApiError(404, "not_found_error", message, Map.of());
    }

    public static ApiError tooLarge(long limit) {
        return new ApiError(413, "request_too_large", "The request body is larger than this gateway takes (" + limit
                + " bytes); send a smaller request or raise body-limit in the gateway's config.", Map.of("connection", "close"));
    }

    /** A 429: {@code retryAfterSeconds} > 0 adds an honest {@code retry-after}; 0 says not to retry. */
    public static ApiError rateLimited(String message, long retryAfterSeconds) {
        return retryAfterSeconds > 0
                ? new ApiError(429, "rate_limit_error", message, Map.of("retry-after", Long.toString(retryAfterSeconds), "x-should-retry", "true"))
                : new ApiError(429, "rate_limit_error", message, Map.of("x-should-retry", "false"));
    }

    public static ApiError upstreamFailed(String message) {
        return new ApiError(502, "api_error", message, Map.of());
    }

    public static ApiError unavailable(String message) {
        return new ApiError(503, "api_error", message, Map.of("connection", "close"));
    }
}
