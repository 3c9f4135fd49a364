package dev.pacer.anthropic.functional;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;

/**
 * A bare JDK HTTP server that answers like the Anthropic API from a script (the next scripted answer,
 * else a Message with its usage and rate-limit headers) and records every request it got: what the
 * simulator does not show, such as which headers reached the wire.
 */
public final class ScriptedServer implements AutoCloseable {

    /** A Message as the API returns it, with 10 input and 5 output tokens. */
    public static final String MESSAGE = "{\"id\":\"msg_1\",\"type\":\"message\",\"role\":\"assistant\",\"model\":\"claude-haiku-4-5\","
            + "\"content\":[{\"type\":\"text\",\"text\":\"ok\"}],\"stop_reason\":\"end_turn\",\"stop_sequence\":null,"
            + "\"usage\":{\"input_tokens\":10,\"output_tokens\":5}}";

    /** One request as it arrived: method, path (with query), headers by lower-case name, body. */
    public record Received(String method, String path, Map<String, String> headers, String body) {
    }

    /** One scripted answer. */
    public record Answer(int status, Map<String, String> headers, String body) {
        /** A 429 rate-limit error with these extra headers. */
        public static Answer rateLimited(Map<String, String> headers) {
            return new Answer(429, headers, "{\"type\":\"error\",\"error\":{\"type\":\"rate_limit_error\",\"message\":\"This request would"
                    + " exceed the rate limit for your organization of 50 requests per minute.\"},\"request_id\":\"req_scripted429\"}");
        }
    }

    private final HttpServer server;
    private final Deque<Answer> script = new ArrayDeque<>();
    private final List<Received> received = new CopyOnWriteArrayList<>();

    private ScriptedServer() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.createContext("/", this::answer);
        server.start();
    }

    /** A started server answering {@code script} first, then Messages. */
    public static ScriptedServer start(Answer... script) throws IOException {
        ScriptedServer s = new ScriptedServer();
        synchronized (s.script) {
            s.script.addAll(List.of(script));
        }
        return s;
    }

    /** Its base URL. */
    public String baseUrl() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    /** The requests it got, in order. */
    public List<Received> received() {
        return received;
    }

    private void answer(HttpExchange ex) throws IOException {
        byte[] in = ex.getRequestBody().readAllBytes();
        Map<String, String> headers = new LinkedHashMap<>();
        ex.getRequestHeaders().forEach((name, values) -> headers.put(name.toLowerCase(Locale.ROOT), String.join(",", values)));
        received.add(new Received(ex.getRequestMethod(), ex.getRequestURI().toString(), headers, new String(in, StandardCharsets.UTF_8)));
        Answer next;
        synchronized (script) {
            next = script.poll();
        }
        if (next == null) {
            next = new Answer(200, Map.of(), ex.getRequestURI().getPath().endsWith("/count_tokens") ? "{\"input_tokens\":42}" : MESSAGE);
        }
        var h = ex.getResponseHeaders();
        h.set("content-type", "application/json");
        h.set("request-id", "req_scripted" + received.size());
        h.set("anthropic-ratelimit-requests-limit", "4000");
        h.set("anthropic-ratelimit-requests-remaining", "3999");
        next.headers().forEach(h::set);
        byte[] body = next.body().getBytes(StandardCharsets.UTF_8);
        ex.sendResponseHeaders(next.status(), body.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(body);
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
