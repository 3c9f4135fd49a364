package dev.pacer.status;

import dev.pacer.status.internal.PrometheusScrape;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * {@code GET /status}, {@code GET /status.json} and {@code GET /metrics}, for any HTTP server: a server
 * hands over the method, the path and the {@code Accept} header, and writes the {@link Reply} back.
 *
 * <pre>{@code
 * StatusEndpoints endpoints = StatusEndpoints.of(PacerStatus.watch(claude), StatusEndpoints.prometheus(registry));
 * StatusEndpoints.Reply reply = endpoints.handle("GET", "/status.json", request.getHeader("Accept"));
 * // write reply.status(), header Content-Type: reply.contentType(), reply.body()
 * }</pre>
 *
 * Any other path under these answers 404 and another method 405, both in the Anthropic API's error
 * shape. {@link StatusServer} serves them on the JDK's HTTP server.
 */
public final class StatusEndpoints {

    /** What to answer: status, {@code Content-Type} and body. */
    public record Reply(int status, String contentType, byte[] body) {

        /** A reply of UTF-8 text. */
        public static Reply text(int status, String contentType, String body) {
            return new Reply(status, contentType, body.getBytes(StandardCharsets.UTF_8));
        }
    }

    /** Renders the metrics for an {@code Accept} header (null: none). */
    @FunctionalInterface
    public interface Metrics {
        /** The reply to {@code GET /metrics}. */
        Reply scrape(String accept);
    }

    /** The paths served. */
    public static final String STATUS = "/status";
    /** The document's path. */
    public static final String STATUS_JSON = "/status.json";
    /** The metrics' path. */
    public static final String METRICS = "/metrics";

    private static final String HTML = "text/html; charset=utf-8";
    private static final String JSON = "application/json";

    private final PacerStatus status;
    private final Metrics metrics;

    private StatusEndpoints(PacerStatus status, Metrics metrics) {
        this.status = status;
        this.metrics = metrics;
    }

    /** The three endpoints; {@code metrics} null for none ({@code /metrics} then answers 404). */
    public static StatusEndpoints of(PacerStatus status, Metrics metrics) {
        return new StatusEndpoints(Objects.requireNonNull(status, "status"), metrics);
    }

    /**
     * {@code /metrics} from a Prometheus registry: the Prometheus text format, or OpenMetrics when the
     * {@code Accept} header asks for {@code application/openmetrics-text}.
     */
    public static Metrics prometheus(PrometheusMeterRegistry registry) {
        return PrometheusScrape.of(Objects.requireNonNull(registry, "registry"));
    }

    /** Whether {@code path} is one of these endpoints (a server can route only those here). */
    public boolean serves(String path) {
        return STATUS.equals(path) || STATUS_JSON.equals(path) || (metrics != null && METRICS.equals(path));
    }

    /**
     * The reply to {@code method path} ({@code path} without the query string).
     *
     * @param accept the request's {@code Accept} header, or null
     */
    public Reply handle(String method, String path, String accept) {
        if (!serves(path)) {
            return error(404, "not_found_error", "There is nothing at " + BoundedPath.of(path) + "; try " + STATUS + ", "
                    + STATUS_JSON + (metrics != null ? " or " + METRICS : "") + ".");
        }
        if (!"GET".equals(method) && !"HEAD".equals(method)) {
            return error(405, "invalid_request_error", BoundedPath.of(path) + " answers GET only, not " + BoundedPath.of(method) + ".");
        }
        return switch (path) {
            case STATUS -> Reply.text(200, HTML, PacerStatus.page());
            case STATUS_JSON -> Reply.text(200, JSON, status.json());
            default -> metrics.scrape(accept);
        };
    }

    private static Reply error(int status, String type, String message) {
        String body = "{\"type\":\"error\",\"error\":{\"type\":\"" + type + "\",\"message\":\"" + message.replace("\\", "\\\\")
                .replace("\"", "\\\"") + "\"}}";
        return Reply.text(status, JSON, body);
    }

    /** A path or method as an error message quotes it: short and printable, whatever the client sent. */
    private static final class BoundedPath {
        static String of(String raw) {
            if (raw == null) {
                return "''";
            }
            StringBuilder b = new StringBuilder("'");
            for (int i = 0; i < raw.length() && i < 80; i++) {
                char c = raw.charAt(i);
                b.append(c >= 0x20 && c < 0x7f && c != '\'' && c != '"' && c != '\\' ? c : '_');
            }
            return b.append(raw.length() > 80 ? "...'" : "'").toString();
        }
    }
}
