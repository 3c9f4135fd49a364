package dev.pacer.bench.gateway;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code pacer-bench gateway --out DIR}: the gateway's overhead, with {@code wrk} on loopback against a
 * zero-latency simulator, in one run: the simulator directly, through the gateway, through nginx as a
 * plain reverse proxy, and through Portkey's gateway (each relay skipped, saying so, when it is not
 * installed). Requests per second at full load (64 connections) and latency p50/p99 at a light load
 * (4 connections), with the added latency over the simulator alone; streaming time to first byte,
 * direct and through the gateway; and the gateway's heap with 5,000 idle streams open (its own
 * process, {@code -Xmx512m}). Then a fixed-rate phase ({@link FixedRate}, open loop) at half of the
 * gateway's measured maximum: the simulator directly and through each relay at that same rate, with
 * the latency the relay adds. Writes {@code DIR/gateway.md}.
 */
@Command(name = "gateway", mixinStandardHelpOptions = true,
        description = "Measures the gateway beside the simulator alone, nginx and Portkey (wrk on loopback); writes DIR/gateway.md.")
public final class GatewayBench implements Callable<Integer> {

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Where to write gateway.md.")
    Path out;

    @Option(names = "--seconds", defaultValue = "10", description = "Length of each wrk run. Default: ${DEFAULT-VALUE}.")
    int seconds;

    @Option(names = "--idle-streams", defaultValue = "5000", description = "Idle streams held open. Default: ${DEFAULT-VALUE}.")
    int idleStreams;

    @Option(names = "--no-portkey", description = "Do not install and measure Portkey's gateway.")
    boolean noPortkey;

    @Option(names = "--warmup", defaultValue = "20", description = "Seconds of full load before each relay is measured "
            + "(the gateway's JIT needs tens of seconds: with 3 s it was measured cold). Default: ${DEFAULT-VALUE}.")
    int warmup;

    @Option(names = "--no-streams", description = "Skip the streaming phases (time to first byte, idle streams).")
    boolean noStreams;

    @Option(names = "--gateway-classpath", paramLabel = "CP",
            description = "Run the gateway from this class path (another build's pacer-bench.jar) instead of this jar's.")
    String gatewayClasspath;

    @Override
    public Integer call() throws Exception {
        if (!Wrk.available()) {
            System.out.println("wrk is not installed (apt-get install wrk); the gateway benchmark needs it.");
            return 2;
        }
        Files.createDirectories(out);
        StringBuilder md = new StringBuilder("| relay | full load (64 conn.) | light load (4 conn.) | added p50 / p99 at light load |\n")
                .append("|---|---|---|---|\n");
        List<String> jvm = List.of("-Xmx512m");
        Map<String, Wrk.Run[]> runs = new LinkedHashMap<>();
        String gatewayCp = gatewayClasspath != null ? gatewayClasspath : System.getProperty("java.class.path");
        Map<String, FixedRate.Run> fixed = new LinkedHashMap<>();
        try (Child sim = Child.java(jvm, BenchSim.class, "bench sim at ", "fast");
             Child gateway = Child.java(jvm, gatewayCp, BenchGateway.class, "bench gateway at ", sim.url)) {
            Map<String, Child> relays = new LinkedHashMap<>();
            relays.put("simulator directly", null);
            relays.put("Pacer gateway", gateway);
            Child nginx = Proxies.nginx(sim.url, out);
            if (nginx != null) {
                relays.put("nginx (reverse proxy)", nginx);
            } else {
                System.out.println("nginx is not installed: skipped.");
            }
            Child portkey;
            try {
                portkey = noPortkey ? null : Proxies.portkey(out);
            } catch (Exception e) {
                if (nginx != null) {
                    nginx.close(); // not left running behind a failed start
                }
                throw e;
            }
            if (portkey != null) {
                relays.put("Portkey gateway", portkey);
            } else if (!noPortkey) {
                System.out.println("Portkey's gateway did not install: skipped.");
            }
            try {
                for (Map.Entry<String, Child> e : relays.entrySet()) {
                    String base = e.getValue() == null ? sim.url : e.getValue().url;
                    Map<String, String> headers = e.getKey().startsWith("Portkey")
                            ? Map.of("x-portkey-provider", "anthropic", "x-portkey-custom-host", sim.url + "/v1") : Map.of();
                    Wrk.run(base + "/v1/messages", headers, 2, 64, warmup, out); // warm-up
                    Wrk.Run full = Wrk.run(base + "/v1/messages", headers, 2, 64, seconds, out);
                    Wrk.Run light = Wrk.run(base + "/v1/messages", headers, 1, 4, seconds, out);
                    runs.put(e.getKey(), new Wrk.Run[] {full, light});
                    System.out.println(e.getKey() + ": full " + Wrk.describe(full) + "; light " + Wrk.describe(light));
                }
                double half = Math.max(50, Math.floor(runs.get("Pacer gateway")[0].rps() / 2 / 50) * 50);
                System.out.println("fixed rate: " + (long) half + " req/s (half of the gateway's maximum), open loop...");
                for (Map.Entry<String, Child> e : relays.entrySet()) {
                    String base = e.getValue() == null ? sim.url : e.getValue().url;
                    Map<String, String> headers = e.getKey().startsWith("Portkey")
                            ? Map.of("x-portkey-provider", "anthropic", "x-portkey-custom-host", sim.url + "/v1") : Map.of();
                    if (runs.get(e.getKey())[0].rps() < half * 1.1) {
                        System.out.println(e.getKey() + ": skipped at a fixed rate (its maximum is below it)");
                        continue;
                    }
                    FixedRate.Run r = FixedRate.run(base + "/v1/messages", headers, Wrk.BODY, half, 32, seconds);
                    fixed.put(e.getKey(), r);
                    System.out.println(e.getKey() + ": " + FixedRate.describe(r));
                }
            } finally {
                if (nginx != null) {
                    nginx.close();
                }
                if (portkey != null) {
                    portkey.close();
                }
            }
            Wrk.Run direct = runs.get("simulator directly")[1];
            runs.forEach((name, r) -> md.append(String.format(Locale.ROOT, "| %s | %s | %s | %s |%n", name, Wrk.describe(r[0]),
                    Wrk.describe(r[1]), name.equals("simulator directly") ? "-" : String.format(Locale.ROOT, "%+.2f / %+.2f ms",
                            r[1].p50Ms() - direct.p50Ms(), r[1].p99Ms() - direct.p99Ms()))));
            FixedRate.Run alone = fixed.get("simulator directly");
            md.append(String.format(Locale.ROOT, "%nFixed rate, open loop (latency from each request's due time), %,.0f req/s = half of the"
                    + " gateway's maximum, 32 connections, %d s:%n%n| relay | latency at that rate | added p50 / p99 |%n|---|---|---|%n",
                    alone.askedRps(), seconds));
            fixed.forEach((name, r) -> md.append(String.format(Locale.ROOT, "| %s | %s | %s |%n", name, FixedRate.describe(r),
                    name.equals("simulator directly") ? "-" : String.format(Locale.ROOT, "%+.2f / %+.2f ms", r.p50Ms() - alone.p50Ms(),
                            r.p99Ms() - alone.p99Ms()))));
            if (noStreams) {
                Files.writeString(out.resolve("gateway.md"), md.toString());
                System.out.println("wrote " + out.resolve("gateway.md"));
                return 0;
            }
            System.out.println("streams: time to first byte, 500 one after another, directly and through the gateway...");
            double[] ttfbDirect = Streams.timeToFirstByte(sim.url, 500);
            double[] ttfbGateway = Streams.timeToFirstByte(gateway.url, 500);
            String ttfb = String.format(Locale.ROOT, "Streaming, time to first byte over 500 streams one after another: directly p50 %.2f / p99 %.2f ms,"
                    + " through the gateway p50 %.2f / p99 %.2f ms (added %+.2f / %+.2f ms).", ttfbDirect[0], ttfbDirect[1], ttfbGateway[0],
                    ttfbGateway[1], ttfbGateway[0] - ttfbDirect[0], ttfbGateway[1] - ttfbDirect[1]);
            System.out.println(ttfb);
            md.append('\n').append(ttfb).append('\n');
        }
        try (Child idleSim = Child.java(List.of("-Xmx1g"), BenchSim.class, "bench sim at ", "idle");
             Child gateway = Child.java(jvm, gatewayCp, BenchGateway.class, "bench gateway at ", idleSim.url)) {
            System.out.println("idle streams: opening " + idleStreams + " through the gateway...");
            long before = Long.parseLong(gateway.ask("heap").trim());
            long start = System.nanoTime();
            List<InputStream> open = Streams.holdOpen(gateway.url, idleStreams);
            double seconds = (System.nanoTime() - start) / 1e9;
            long held = Long.parseLong(gateway.ask("heap").trim());
            String idle = String.format(Locale.ROOT, "%,d idle streams through the gateway (opened in %.1f s): its heap %d MB after a full GC"
                    + " (%d MB with none), -Xmx512m.", open.size(), seconds, held, before);
            System.out.println(idle);
            md.append('\n').append(idle).append('\n');
            for (InputStream in : open) {
                in.close();
            }
        }
        Files.writeString(out.resolve("gateway.md"), md.toString());
        System.out.println("wrote " + out.resolve("gateway.md"));
        return 0;
    }
}
