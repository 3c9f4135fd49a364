package dev.pacer.status.internal;

import dev.pacer.status.StatusEndpoints;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;

/** {@code /metrics} from a {@link PrometheusMeterRegistry}, in the format the client asks for. */
public final class PrometheusScrape {

    private static final String TEXT = "text/plain; version=0.0.4; charset=utf-8";
    private static final String OPEN_METRICS = "application/openmetrics-text; version=1.0.0; charset=utf-8";

    private PrometheusScrape() {
    }

    /** The scrape of {@code registry}. */
    public static StatusEndpoints.Metrics of(PrometheusMeterRegistry registry) {
        return accept -> {
            String type = accept != null && accept.contains("application/openmetrics-text") ? OPEN_METRICS : TEXT;
            return StatusEndpoints.Reply.text(200, type, registry.scrape(type));
        };
    }
}
