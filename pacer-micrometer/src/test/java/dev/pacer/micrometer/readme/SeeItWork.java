package dev.pacer.micrometer.readme;

// README:start
import dev.pacer.anthropic.AnthropicPacer;
import dev.pacer.micrometer.PacerMetrics;
import dev.pacer.status.PacerStatus;
import dev.pacer.status.StatusEndpoints;
import dev.pacer.status.StatusServer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;

public class SeeItWork {

    /** Prometheus metrics and the live status page of a service that calls Claude through Pacer. */
    static StatusServer metricsAndStatus(AnthropicPacer claude, int port) throws IOException {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        PacerMetrics.bind(claude, registry); // the one line (also takes a Pacer or PacedAnthropic.Options)
        StatusEndpoints endpoints = StatusEndpoints.of(PacerStatus.watch(claude), StatusEndpoints.prometheus(registry));
        // Your own server can call endpoints.handle(method, path, accept) instead.
        return StatusServer.start(endpoints, "127.0.0.1", port); // /metrics, /status, /status.json
    }
}
// README:end
