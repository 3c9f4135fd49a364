package dev.pacer.bench.gateway;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The other relays the gateway is measured beside: nginx as a plain reverse proxy (keep-alive to
 * the upstream, no buffering), and Portkey's open-source gateway from npm, reaching the simulator
 * through its custom-host header. Each is started only if it is installed (or installs).
 */
final class Proxies {

    private Proxies() {
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    /** nginx in front of {@code upstream}, or null when nginx is not installed. */
    static Child nginx(String upstream, Path dir) throws Exception {
        if (!onPath("nginx", "-v")) {
            return null;
        }
        int port = freePort();
        Path root = Files.createDirectories(dir.resolve("nginx"));
        Files.createDirectories(root.resolve("logs"));
        String hostPort = upstream.replaceFirst("^http://", "");
        Files.writeString(root.resolve("nginx.conf"), """
                worker_processes 2;
                error_log logs/error.log warn;
                pid logs/nginx.pid;
                events { worker_connections 16384; }
                http {
                  access_log off;
                  upstream sim { server %s; keepalive 128; }
                  server {
                    listen 127.0.0.1:%d;
                    location / {
                      proxy_pass http://sim;
                      proxy_http_version 1.1;
                      proxy_set_header Connection "";
                      proxy_buffering off;
                    }
                  }
                }
                """.formatted(hostPort, port));
        Process p = new ProcessBuilder("nginx", "-p", root.toString(), "-c", "nginx.conf", "-g", "daemon off;")
                .redirectErrorStream(true).start();
        waitForPort(port, p);
        return Child.wrap(p, "http://127.0.0.1:" + port);
    }

    /** Portkey's gateway (npm {@code @portkey-ai/gateway}), or null when npm is missing or it does not install. */
    static Child portkey(Path dir) throws Exception {
        if (!onPath("npm", "--version")) {
            return null;
        }
        Path root = Files.createDirectories(dir.toAbsolutePath().resolve("portkey")); // absolute: node runs in it
        Path entry = root.resolve("node_modules/@portkey-ai/gateway/build/start-server.js");
        if (!Files.exists(entry)) {
            Process install = new ProcessBuilder("npm", "install", "--no-audit", "--no-fund", "@portkey-ai/gateway@1.15.2")
                    .directory(root.toFile()).redirectErrorStream(true).start();
            install.getInputStream().transferTo(java.io.OutputStream.nullOutputStream());
            if (install.waitFor() != 0 || !Files.exists(entry)) {
                return null;
            }
        }
        int port = freePort();
        Process p = new ProcessBuilder("node", entry.toString(), "--port=" + port, "--headless").directory(root.toFile()).redirectErrorStream(true).start();
        waitForPort(port, p);
        return Child.wrap(p, "http://127.0.0.1:" + port);
    }

    private static void waitForPort(int port, Process p) throws Exception {
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (System.nanoTime() < deadline && p.isAlive()) {
            try (java.net.Socket s = new java.net.Socket("127.0.0.1", port)) {
                return;
            } catch (IOException notYet) {
                Thread.sleep(100);
            }
        }
        String out = p.isAlive() ? "" : new String(p.getInputStream().readAllBytes());
        p.destroyForcibly();
        throw new IOException("the process did not listen on port " + port + " within 30 s. " + out);
    }

    private static boolean onPath(String... cmd) {
        try {
            Process p = new ProcessBuilder(List.of(cmd)).redirectErrorStream(true).start();
            p.getInputStream().transferTo(java.io.OutputStream.nullOutputStream());
            return p.waitFor() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
