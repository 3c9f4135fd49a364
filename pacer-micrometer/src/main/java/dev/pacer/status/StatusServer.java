package dev.pacer.status;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Supplier;

/**
 * {@link StatusEndpoints} on the JDK's HTTP server (no dependency; what the simulator uses), for a
 * process that has no server of its own, such as the batch runner. Loopback by default.
 *
 * <pre>{@code
 * try (StatusServer server = StatusServer.start(endpoints, "127.0.0.1", 9090)) {
 *     ... // http://127.0.0.1:9090/status while the job runs
 * }
 * }</pre>
 */
public final class StatusServer implements AutoCloseable {

    private final HttpServer server;
    private final ExecutorService executor;
    private final String baseUrl;

    private StatusServer(HttpServer server, ExecutorService executor) {
        this.server = server;
        this.executor = executor;
        String host = server.getAddress().getAddress().getHostAddress();
        this.baseUrl = "http://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + server.getAddress().getPort();
    }

    /**
     * Serves {@code endpoints} on {@code host:port} (port 0: a free one).
     *
     * @throws IOException when the port cannot be bound (say, it is in use)
     */
    public static StatusServer start(StatusEndpoints endpoints, String host, int port) throws IOException {
        Objects.requireNonNull(endpoints, "endpoints");
        return start(() -> endpoints, host, port);
    }

    /**
     * Serves the endpoints {@code current} returns for each request, for a process whose engine comes
     * later or changes (a batch run builds its engine once its input is read); while it returns null,
     * every path answers 503 in the API's error shape.
     *
     * @throws IOException when the port cannot be bound (say, it is in use)
     */
    public static StatusServer start(Supplier<StatusEndpoints> current, String host, int port) throws IOException {
        Objects.requireNonNull(current, "current");
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getByName(host), port), 64);
        ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
        server.setExecutor(executor);
        server.createContext("/", exchange -> serve(current.get(), exchange));
        server.start();
        return new StatusServer(server, executor);
    }

    private static void serve(StatusEndpoints endpoints, HttpExchange exchange) throws IOException {
        try (exchange) {
            String method = exchange.getRequestMethod();
            String path = exchange.getRequestURI().getRawPath();
            StatusEndpoints.Reply reply = "/".equals(path) ? redirect()
                    : endpoints == null ? StatusEndpoints.Reply.text(503, "application/json",
                    "{\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Nothing is running yet; try again in a moment.\"}}")
                    : endpoints.handle(method, path, exchange.getRequestHeaders().getFirst("Accept"));
            exchange.getResponseHeaders().set("Content-Type", reply.contentType());
            exchange.getResponseHeaders().set("Cache-Control", "no-store");
            if (reply.status() == 302) {
                exchange.getResponseHeaders().set("Location", StatusEndpoints.STATUS);
            }
            boolean head = "HEAD".equals(method);
            exchange.sendResponseHeaders(reply.status(), head ? -1 : reply.body().length == 0 ? -1 : reply.body().length);
            if (!head && reply.body().length > 0) {
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(reply.body());
                }
            }
        }
    }

    private static StatusEndpoints.Reply redirect() {
        return new StatusEndpoints.Reply(302, "text/plain; charset=utf-8", new byte[0]);
    }

    /** Where it listens, e.g. {@code http://127.0.0.1:9090}. */
    public String baseUrl() {
        return baseUrl;
    }

    /** The port it listens on. */
    public int port() {
        return server.getAddress().getPort();
    }

    /** Stops serving. */
    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
