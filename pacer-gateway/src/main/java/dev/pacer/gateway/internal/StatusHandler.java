package dev.pacer.gateway.internal;

import dev.pacer.Pacer;
import dev.pacer.anthropic.AnthropicPacer;
import dev.pacer.batch.Prices;
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
 * they are answered before a key is asked for: they show pools by fingerprint and never a key. The
 * answers' tokens and cost ({@code pacer.cost}, at the batch runner's list prices, as the spend ledger
 * counts) are heard from each configuration's client while it serves ({@link #hear}).
 */
public final class StatusHandler {

    private final PrometheusMeterRegistry registry;
    private final StatusEndpoints endpoints;
    private final PacerMetrics metrics;

    public StatusHandler(Pacer pacer) {
        this.registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        new JvmMemoryMetrics().bindTo(registry);
        new JvmGcMetrics().bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        this.metrics = PacerMetrics.builder().prices(Prices.defaults()::ofAnswer).bind(pacer, registry);
        this.endpoints = StatusEndpoints.of(PacerStatus.watch(pacer), StatusEndpoints.prometheus(registry));
    }

    /** The registry the gateway's meters are in. */
    public PrometheusMeterRegistry registry() {
        return registry;
    }

    /**
     * Counts the answers of one configuration's client (their tokens and cost) until the binding is closed, when
     * that configuration is released; each answer is heard once, by the client that got it.
     */
    public PacerMetrics.ClientBinding hear(AnthropicPacer claude) {
        return metrics.hear(claude);
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
