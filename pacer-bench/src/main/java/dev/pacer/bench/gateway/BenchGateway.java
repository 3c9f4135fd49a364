package dev.pacer.bench.gateway;

import dev.pacer.gateway.Gateway;
import dev.pacer.gateway.GatewaySettings;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;

/**
 * The gateway of the benchmark, in its own process, relaying to the URL given: pass-through, log
 * lines dropped. A line {@code heap} on its input is answered with the heap in use after a full GC,
 * in MB.
 */
public final class BenchGateway {

    private BenchGateway() {
    }

    public static void main(String[] args) throws Exception {
        System.setProperty("slf4j.internal.verbosity", "ERROR");
        Gateway gateway = Gateway.builder().settings(GatewaySettings.builder().listen("127.0.0.1", 0).upstreamUrl(args[0]).build())
                .log(line -> { }).start();
        System.out.println("bench gateway at " + gateway.url());
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        for (String line; (line = in.readLine()) != null; ) {
            if (line.equals("heap")) {
                System.gc();
                Thread.sleep(500);
                System.gc();
                long used = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
                System.out.println(used / (1024 * 1024));
            }
        }
        gateway.close();
    }
}
