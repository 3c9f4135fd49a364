package dev.pacer.gateway.functional;

import dev.pacer.gateway.Gateway;
import dev.pacer.gateway.GatewaySettings;
import dev.pacer.sim.SimServer;
import dev.pacer.time.ScaledClock;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * A simulator and a gateway in front of it, the gateway's engine running on the simulator's scaled
 * clock; every log line the gateway writes is kept (the security test reads them).
 */
final class GatewayFixture implements AutoCloseable {

    final SimServer sim;
    final Gateway gateway;
    final List<String> log = new CopyOnWriteArrayList<>();

    GatewayFixture(SimServer sim, Consumer<GatewaySettings.Builder> settings) throws Exception {
        this.sim = sim;
        GatewaySettings.Builder b = GatewaySettings.builder().listen("127.0.0.1", 0).upstreamUrl(sim.baseUrl());
        settings.accept(b);
        double scale = sim.clock().scale();
        this.gateway = Gateway.builder().settings(b.build()).time(new ScaledClock(sim.clock().now(), scale), scale).log(log::add).start();
    }

    String url() {
        return gateway.url();
    }

    @Override
    public void close() {
        gateway.close();
        sim.close();
    }
}
