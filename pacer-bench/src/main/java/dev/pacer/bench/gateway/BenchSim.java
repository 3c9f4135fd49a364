package dev.pacer.bench.gateway;

import dev.pacer.sim.ModelClass;
import dev.pacer.sim.SimServer;
import java.util.concurrent.CountDownLatch;

/**
 * The simulator of the gateway benchmark, in its own process: limits far above any load here (so no
 * 429 shapes the numbers), and either zero latency ({@code fast}: the answer at once, a 16-token
 * stream at once) or {@code idle} streams (one token every 20 s) to hold thousands open.
 */
public final class BenchSim {

    private BenchSim() {
    }

    public static void main(String[] args) throws Exception {
        boolean idle = args.length > 0 && args[0].equals("idle");
        long huge = 1_000_000_000L;
        SimServer sim = SimServer.builder().timeScale(1).configure(s -> {
            s.latency(idle ? 0 : 0, idle ? 0.05 : 1_000_000, 0).outputLength(16, 0);
            for (String c : new String[] {"sonnet-4", "haiku-4-5", "opus-4"}) {
                s.modelClass(new ModelClass(c, huge, huge, huge, false));
            }
        }).start();
        System.out.println("bench sim at " + sim.baseUrl());
        new CountDownLatch(1).await();
    }
}
