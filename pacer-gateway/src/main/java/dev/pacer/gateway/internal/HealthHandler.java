package dev.pacer.gateway.internal;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.function.BooleanSupplier;

/**
 * {@code /healthz}: 200 while the process serves. {@code /readyz}: 200 while it takes new calls, 503
 * once shutdown has begun (a load balancer stops sending before the listener closes).
 */
public final class HealthHandler {

    private final BooleanSupplier ready;

    public HealthHandler(BooleanSupplier ready) {
        this.ready = ready;
    }

    /** Answers {@code path} if it is one of the two; returns whether it was. */
    public boolean handle(Exchange exchange) {
        String path = exchange.path();
        if (path.equals("/healthz")) {
            exchange.send(200, Map.of("content-type", "application/json"), "{\"status\":\"ok\"}".getBytes(StandardCharsets.UTF_8));
            return true;
        }
        if (path.equals("/readyz")) {
            boolean r = ready.getAsBoolean();
            exchange.send(r ? 200 : 503, Map.of("content-type", "application/json"),
                    (r ? "{\"status\":\"ready\"}" : "{\"status\":\"shutting down\"}").getBytes(StandardCharsets.UTF_8));
            return true;
        }
        return false;
    }
}
