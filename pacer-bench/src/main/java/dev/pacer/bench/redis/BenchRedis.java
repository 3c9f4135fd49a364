package dev.pacer.bench.redis;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * The Redis the benchmarks share: {@code -Dpacer.bench.redis=redis://HOST:PORT}, or else one
 * {@code redis-server} from the PATH started on a free loopback port (no persistence) on first use and
 * stopped when the JVM exits.
 */
public final class BenchRedis {

    private static String uri;
    private static Process started;

    private BenchRedis() {
    }

    /** The URI; starts redis-server when none was given. */
    public static synchronized String uri() {
        if (uri != null) {
            return uri;
        }
        String given = System.getProperty("pacer.bench.redis");
        if (given != null && !given.isBlank()) {
            uri = given;
            return uri;
        }
        try {
            int port;
            try (ServerSocket s = new ServerSocket(0)) {
                port = s.getLocalPort();
            }
            Path dir = Files.createTempDirectory("pacer-bench-redis");
            started = new ProcessBuilder("redis-server", "--port", Integer.toString(port), "--bind", "127.0.0.1", "--save", "",
                    "--appendonly", "no", "--dir", dir.toString()).redirectErrorStream(true)
                    .redirectOutput(dir.resolve("redis.log").toFile()).start();
            Process p = started;
            Runtime.getRuntime().addShutdownHook(new Thread(p::destroy));
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (System.nanoTime() < until) {
                try (Socket ignored = new Socket("127.0.0.1", port)) {
                    uri = "redis://127.0.0.1:" + port;
                    return uri;
                } catch (IOException notYet) {
                    Thread.sleep(20);
                }
            }
            throw new IllegalStateException("redis-server did not start on port " + port);
        } catch (IOException e) {
            throw new IllegalStateException("redis-server could not be started (apt-get install -y redis-server), or give "
                    + "-Dpacer.bench.redis=redis://HOST:PORT: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
