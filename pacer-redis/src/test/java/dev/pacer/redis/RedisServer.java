package dev.pacer.redis;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real {@code redis-server} for tests, on a free loopback port, without persistence, started and
 * stopped by the test ({@code .ci/run} installs it when missing). It can be killed and started again
 * on the same port.
 */
public final class RedisServer implements AutoCloseable {

    private final int port;
    private final List<String> extra;
    private final Path dir;
    private Process process;

    private RedisServer(int port, List<String> extra) throws IOException {
        this.port = port;
        this.extra = extra;
        this.dir = Files.createTempDirectory("pacer-redis-" + port);
    }

    /** Starts a server on a free port. */
    public static RedisServer start(String... extraArgs) {
        try {
            RedisServer server = new RedisServer(freePort(), List.of(extraArgs));
            server.restart();
            return server;
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Starts a server on {@code port}. */
    public static RedisServer startOn(int port, String... extraArgs) {
        try {
            RedisServer server = new RedisServer(port, List.of(extraArgs));
            server.restart();
            return server;
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    public static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    public static int freePortUnchecked() {
        try {
            return freePort();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    public int port() {
        return port;
    }

    public String uri() {
        return "redis://127.0.0.1:" + port;
    }

    /** Starts it (again), and waits until it answers PING. */
    public synchronized void restart() {
        if (process != null && process.isAlive()) {
            return;
        }
        List<String> cmd = new ArrayList<>(List.of("redis-server", "--port", Integer.toString(port), "--bind", "127.0.0.1",
                "--save", "", "--appendonly", "no", "--dir", dir.toString(), "--protected-mode", "no"));
        cmd.addAll(extra);
        try {
            process = new ProcessBuilder(cmd).redirectErrorStream(true)
                    .redirectOutput(dir.resolve("redis.log").toFile()).start();
        } catch (IOException e) {
            throw new IllegalStateException("redis-server could not be started (is it installed? apt-get install -y redis-server): "
                    + e.getMessage(), e);
        }
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (System.nanoTime() < until) {
            if (!process.isAlive()) {
                throw new IllegalStateException("redis-server exited at once; see " + dir.resolve("redis.log"));
            }
            if (pings()) {
                return;
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                process.destroyForcibly();
                throw new IllegalStateException(e);
            }
        }
        process.destroyForcibly(); // never leave a server behind
        throw new IllegalStateException("redis-server on port " + port + " did not answer within 20 s");
    }

    /** Kills it at once (SIGKILL): no goodbye to clients. */
    public synchronized void kill() {
        if (process != null) {
            process.destroyForcibly();
            try {
                process.waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Sends commands (inline) on one connection and returns the first line of the last one's reply (simple replies only). */
    public String command(String... lines) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 1000);
            s.setSoTimeout(5000);
            OutputStream out = s.getOutputStream();
            for (String line : lines) {
                out.write((line + "\r\n").getBytes(StandardCharsets.UTF_8));
            }
            out.flush();
            InputStream in = s.getInputStream();
            StringBuilder sb = new StringBuilder();
            for (int i = 0; i < lines.length; i++) {
                sb.setLength(0);
                int c;
                while ((c = in.read()) >= 0 && c != '\n') {
                    sb.append((char) c);
                }
            }
            return sb.toString().trim();
        } catch (IOException e) {
            return "";
        }
    }

    private boolean pings() {
        String reply = command("PING");
        return reply.equals("+PONG") || reply.startsWith("-NOAUTH"); // up, with a password
    }

    @Override
    public void close() {
        kill();
    }
}
