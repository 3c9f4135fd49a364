package dev.pacer.sim.internal;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Locale;

/** Error bodies exactly as the API shapes them: {@code {"type":"error","error":{type,message},"request_id"}}. */
final class ApiErrors {

    /** The id of the organization every unlisted key shares with {@code limit-scope: organization}. */
    static final String ORGANIZATION_ID = "5e1f0c2a-7d3b-4c59-9a61-0000000051e7";

    private ApiErrors() {
    }

    static ObjectNode body(String type, String message, String requestId) {
        ObjectNode body = Json.object();
        body.put("type", "error");
        ObjectNode error = body.putObject("error");
        error.put("type", type);
        error.put("message", message);
        body.put("request_id", requestId);
        return body;
    }

    static ObjectNode invalidRequest(String message, String requestId) {
        return body("invalid_request_error", message, requestId);
    }

    static ObjectNode notFound(String message, String requestId) {
        return body("not_found_error", message, requestId);
    }

    static ObjectNode overloaded(String requestId) {
        ObjectNode body = body("overloaded_error", "Overloaded", requestId);
        ((ObjectNode) body.get("error")).putNull("details");
        return body;
    }

    /**
     * {@code 30,000}: the API writes its figures with commas whatever the server's locale; the
     * JVM's default locale would write {@code 30.000} or {@code 30 000} and break clients that read them.
     */
    static String thousands(long n) {
        return String.format(Locale.ROOT, "%,d", n);
    }

    /**
     * The wording of the API's rate-limit 429, naming whose limit ({@code organization (<id>)}, or a
     * narrower {@code workspace (<id>)}: the API's wording for a workspace is not documented), the
     * dimension and its per-minute limit.
     */
    static String rateLimitMessage(String scopeWords, long perMinute, String dimensionWords) {
        return "This request would exceed the rate limit for your " + scopeWords + " of "
                + thousands(perMinute) + " " + dimensionWords + " per minute. For details, refer to: "
                + "https://docs.claude.com/en/api/rate-limits. You can see the response headers for current usage. "
                + "Please reduce the prompt length or the maximum tokens requested, or try again later. You may also "
                + "contact sales at https://www.anthropic.com/contact-sales to discuss your options for a rate limit increase.";
    }
}
