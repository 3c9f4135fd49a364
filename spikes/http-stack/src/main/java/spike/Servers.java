package spike;

import com.sun.net.httpserver.HttpServer;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executors;

/**
 * The same two endpoints on three stacks. GET /json: a small JSON body. GET /sse?n=N&gap=MS: N events,
 * MS apart, each flushed; n=0 holds the stream open with a ping every 10 s (idle-connection test).
 * Usage: java -cp ... spike.Servers jdk|jetty|vertx PORT
 */
public final class Servers {

    static final byte[] JSON = "{\"id\":\"msg_01\",\"type\":\"message\",\"role\":\"assistant\",\"content\":[{\"type\":\"text\",\"text\":\"Hello!\"}],\"usage\":{\"input_tokens\":10,\"output_tokens\":3}}".getBytes(StandardCharsets.UTF_8);
    static final byte[] EVENT = "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"word \"}}\n\n".getBytes(StandardCharsets.UTF_8);
    static final byte[] PING = "event: ping\ndata: {\"type\":\"ping\"}\n\n".getBytes(StandardCharsets.UTF_8);

    public static void main(String[] args) throws Exception {
        int port = Integer.parseInt(args[1]);
        switch (args[0]) {
            case "jdk" -> jdk(port);
            case "jetty" -> jetty(port);
            case "vertx" -> vertx(port);
            default -> throw new IllegalArgumentException(args[0]);
        }
        Thread.currentThread().join();
    }

    static int param(String query, String name, int dflt) {
        if (query == null) {
            return dflt;
        }
        for (String p : query.split("&")) {
            if (p.startsWith(name + "=")) {
                return Integer.parseInt(p.substring(name.length() + 1));
            }
        }
        return dflt;
    }

    static void jdk(int port) throws Exception {
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 8192);
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.createContext("/json", ex -> {
            ex.getResponseHeaders().set("content-type", "application/json");
            ex.sendResponseHeaders(200, JSON.length);
            try (OutputStream out = ex.getResponseBody()) {
                out.write(JSON);
            }
        });
        server.createContext("/sse", ex -> {
            int n = param(ex.getRequestURI().getQuery(), "n", 20);
            int gap = param(ex.getRequestURI().getQuery(), "gap", 0);
            ex.getResponseHeaders().set("content-type", "text/event-stream");
            ex.sendResponseHeaders(200, 0);
            try (OutputStream out = ex.getResponseBody()) {
                if (n == 0) {
                    while (true) {
                        out.write(PING);
                        out.flush();
                        Thread.sleep(10_000);
                    }
                }
                for (int i = 0; i < n; i++) {
                    out.write(EVENT);
                    out.flush();
                    if (gap > 0) {
                        Thread.sleep(gap);
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        server.start();
        System.out.println("jdk listening on " + port);
    }

    static void jetty(int port) throws Exception {
        org.eclipse.jetty.util.thread.QueuedThreadPool pool = new org.eclipse.jetty.util.thread.QueuedThreadPool();
        pool.setVirtualThreadsExecutor(Executors.newVirtualThreadPerTaskExecutor());
        org.eclipse.jetty.server.Server server = new org.eclipse.jetty.server.Server(pool);
        org.eclipse.jetty.server.ServerConnector connector = new org.eclipse.jetty.server.ServerConnector(server);
        connector.setHost("127.0.0.1");
        connector.setPort(port);
        connector.setAcceptQueueSize(8192);
        server.addConnector(connector);
        server.setHandler(new org.eclipse.jetty.server.Handler.Abstract() {
            @Override
            public boolean handle(org.eclipse.jetty.server.Request request, org.eclipse.jetty.server.Response response,
                                  org.eclipse.jetty.util.Callback callback) throws Exception {
                String path = request.getHttpURI().getPath();
                if (path.equals("/json")) {
                    response.getHeaders().put("content-type", "application/json");
                    response.write(true, ByteBuffer.wrap(JSON), callback);
                    return true;
                }
                int n = param(request.getHttpURI().getQuery(), "n", 20);
                int gap = param(request.getHttpURI().getQuery(), "gap", 0);
                response.getHeaders().put("content-type", "text/event-stream");
                // Blocking writes are fine on a virtual thread.
                try {
                    if (n == 0) {
                        while (true) {
                            org.eclipse.jetty.util.Blocker.Callback cb = org.eclipse.jetty.util.Blocker.callback();
                            response.write(false, ByteBuffer.wrap(PING), cb);
                            cb.block();
                            Thread.sleep(10_000);
                        }
                    }
                    for (int i = 0; i < n; i++) {
                        try (org.eclipse.jetty.util.Blocker.Callback cb = org.eclipse.jetty.util.Blocker.callback()) {
                            response.write(false, ByteBuffer.wrap(EVENT), cb);
                            cb.block();
                        }
                        if (gap > 0) {
                            Thread.sleep(gap);
                        }
                    }
                    response.write(true, ByteBuffer.allocate(0), callback);
                } catch (Throwable t) {
                    callback.failed(t);
                }
                return true;
            }

            @Override
            public org.eclipse.jetty.util.thread.Invocable.InvocationType getInvocationType() {
                return org.eclipse.jetty.util.thread.Invocable.InvocationType.BLOCKING;
            }
        });
        server.start();
        System.out.println("jetty listening on " + port);
    }

    static void vertx(int port) {
        io.vertx.core.Vertx vertx = io.vertx.core.Vertx.vertx();
        io.vertx.core.buffer.Buffer json = io.vertx.core.buffer.Buffer.buffer(JSON);
        io.vertx.core.buffer.Buffer event = io.vertx.core.buffer.Buffer.buffer(EVENT);
        io.vertx.core.buffer.Buffer ping = io.vertx.core.buffer.Buffer.buffer(PING);
        int instances = Runtime.getRuntime().availableProcessors();
        for (int k = 0; k < instances; k++) {
            vertx.createHttpServer(new io.vertx.core.http.HttpServerOptions().setAcceptBacklog(8192)).requestHandler(req -> {
                if (req.path().equals("/json")) {
                    req.response().putHeader("content-type", "application/json").end(json);
                    return;
                }
                int n = param(req.query(), "n", 20);
                int gap = param(req.query(), "gap", 0);
                var resp = req.response().setChunked(true).putHeader("content-type", "text/event-stream");
                if (n == 0) {
                    resp.write(ping);
                    long timer = vertx.setPeriodic(10_000, t -> resp.write(ping));
                    resp.closeHandler(v -> vertx.cancelTimer(timer));
                    return;
                }
                if (gap == 0) {
                    for (int i = 0; i < n; i++) {
                        resp.write(event);
                    }
                    resp.end();
                    return;
                }
                int[] sent = {0};
                vertx.setPeriodic(gap, t -> {
                    resp.write(event);
                    if (++sent[0] == n) {
                        vertx.cancelTimer(t);
                        resp.end();
                    }
                });
            }).listen(port, "127.0.0.1");
        }
        System.out.println("vertx listening on " + port);
    }
}
