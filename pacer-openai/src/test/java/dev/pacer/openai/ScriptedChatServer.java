package dev.pacer.openai;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A Chat Completions server that answers from a script, one answer per request, for what the simulator
 * does not do on purpose: hostile headers, a 400, a stream cut after its first chunk. Records when each
 * request arrived (wall nanos) and its body.
 */
final class ScriptedChatServer implements AutoCloseable {

    /** One scripted answer; {@code cutAfter} &gt; 0 closes the body after that many bytes. */
    record Answer(int status, Map<String, String> headers, String body, boolean stream, int cutAfter) {
        static Answer json(int status, String body, Map<String, String> headers) {
            return new Answer(status, headers, body, false, 0);
        }
    }

    private final HttpServer server;
    private final ConcurrentLinkedQueue<Answer> script = new ConcurrentLinkedQueue<>();
    final List<Long> arrivals = new CopyOnWriteArrayList<>();
    final List<String> bodies = new CopyOnWriteArrayList<>();

    ScriptedChatServer(List<Answer> answers) throws IOException {
        script.addAll(answers);
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/v1/chat/completions", ex -> {
            arrivals.add(System.nanoTime());
            bodies.add(new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
            Answer a = script.poll();
            if (a == null) {
                a = Answer.json(500, "{\"error\":{\"message\":\"script exhausted\",\"type\":\"server_error\"}}", Map.of());
            }
            a.headers().forEach((k, v) -> ex.getResponseHeaders().set(k, v));
            ex.getResponseHeaders().set("content-type", a.stream() ? "text/event-stream" : "application/json");
            byte[] bytes = a.body().getBytes(StandardCharsets.UTF_8);
            if (a.cutAfter() > 0) {
                // Not closed: thrown out of the handler, the exchange ends with the connection dropped, no last chunk.
                ex.sendResponseHeaders(a.status(), 0);
                OutputStream out = ex.getResponseBody();
                out.write(bytes, 0, a.cutAfter());
                out.flush();
                throw new IllegalStateException("cut on purpose");
            }
            ex.sendResponseHeaders(a.status(), bytes.length);
            try (OutputStream out = ex.getResponseBody()) {
                out.write(bytes);
            }
        });
        server.start();
    }

    String baseUrl() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/v1";
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
