package dev.pacer.sim;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;

/** Small helpers for answering like the API does. */
final class Http {

    static final ObjectMapper JSON = new ObjectMapper();
    private static final char[] BASE58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz".toCharArray();
    private static final AtomicLong IDS = new AtomicLong();

    private Http() {
    }

    /** An id like the API's: prefix + 24 base58 characters. */
    static String id(String prefix) {
        SplittableRandom random = new SplittableRandom(IDS.incrementAndGet() * 0x9E3779B97F4A7C15L + System.nanoTime());
        StringBuilder sb = new StringBuilder(prefix);
        for (int i = 0; i < 24; i++) {
            sb.append(BASE58[random.nextInt(BASE58.length)]);
        }
        return sb.toString();
    }

    static ObjectNode error(String type, String message, String requestId) {
        ObjectNode body = JSON.createObjectNode();
        body.put("type", "error");
        ObjectNode e = body.putObject("error");
        e.put("type", type);
        e.put("message", message);
        body.put("request_id", requestId);
        return body;
    }

    static void send(HttpExchange exchange, int status, JsonNode body, Map<String, String> headers, String requestId)
            throws IOException {
        byte[] bytes = JSON.writeValueAsBytes(body);
        sendBytes(exchange, status, bytes, "application/json", headers, requestId);
    }

    static void sendBytes(HttpExchange exchange, int status, byte[] bytes, String contentType, Map<String, String> headers,
                          String requestId) throws IOException {
        var h = exchange.getResponseHeaders();
        h.set("content-type", contentType);
        h.set("request-id", requestId);
        h.set("anthropic-organization-id", "00000000-0000-4000-8000-00000000517e");
        if (headers != null) {
            headers.forEach(h::set);
        }
        exchange.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
        if (bytes.length > 0) {
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        }
        exchange.close();
    }

    static String text(String s) {
        return s;
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
