package dev.pacer.gateway.internal;

import dev.pacer.Pacer;
import dev.pacer.micrometer.PacerMetrics;
import dev.pacer.status.PacerStatus;
import dev.pacer.status.StatusEndpoints;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.Map;

/**
 * {@code /metrics} (Prometheus text, or OpenMetrics when the scraper asks), {@code /status} (the live
 * page) and {@code /status.json}, over the gateway's one engine, which lives as long as the gateway
 * (a reload keeps it), so the meters and the page follow every configuration. Like {@code /healthz}
 * they are answered before a key is asked for: they show pools by fingerprint and never a key.
 */
public final class StatusHandler {

    private final PrometheusMeterRegistry registry;
    private final StatusEndpoints endpoints;

    public StatusHandler(Pacer pacer) {
        this.registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        new JvmMemoryMetrics().bindTo(registry);
        new JvmGcMetrics().bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        PacerMetrics.bind(pacer, registry);
        this.endpoints = StatusEndpoints.of(PacerStatus.watch(pacer), StatusEndpoints.prometheus(registry));
    }

    /** The registry the gateway's meters are in. */
    public PrometheusMeterRegistry registry() {
        return registry;
    }

    /** Answers {@code exchange} if its path is one of the three; returns whether it was. */
    public boolean handle(Exchange exchange) {
        if (!endpoints.serves(exchange.path())) {
            return false;
        }
        StatusEndpoints.Reply reply = endpoints.handle(exchange.method(), exchange.path(), exchange.header("accept"));
        exchange.send(reply.status(), Map.of("content-type", reply.contentType(), "cache-control", "no-store"),
                exchange.method().equals("HEAD") ? new byte[0] : reply.body());
        return true;
    }
}
