package dev.pacer.micrometer.functional;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pacer.anthropic.AnthropicPacer;
import dev.pacer.anthropic.CallOptions;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/** Requests for the simulator, through Pacer and around it. */
public final class Traffic {

    private static final ObjectMapper JSON = new ObjectMapper();

    private Traffic() {
    }

    /** A small Messages request whose output the simulator makes {@code output} tokens long. */
    public static ObjectNode params(String model, int output) {
        ObjectNode p = JSON.createObjectNode();
        p.put("model", model);
        p.put("max_tokens", 256);
        p.putObject("metadata").put("user_id", "sim:output_tokens=" + output);
        p.putArray("messages").addObject().put("role", "user").put("content", "Summarize: " + "the quota bucket ".repeat(20));
        return p;
    }

    /** {@code n} calls through {@code claude} with {@code options}, each ending as it may (a failed call is not an error here). */
    public static List<CompletableFuture<?>> calls(AnthropicPacer claude, String model, int n, CallOptions options) {
        List<CompletableFuture<?>> calls = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            calls.add(claude.messages(params(model, 20 + i % 30), options).handle((r, e) -> r));
        }
        return calls;
    }

    /** Waits for every call. */
    public static void join(List<CompletableFuture<?>> calls) {
        CompletableFuture.allOf(calls.toArray(CompletableFuture[]::new)).join();
    }

    /**
     * Another user of the same key, outside Pacer: sends a request every 5 ms or so from each of {@code senders}
     * threads until stopped, counting what it sent and the 429s it got, so a test can tell them from Pacer's.
     */
    public static final class Flood implements AutoCloseable {
        private final AtomicBoolean running = new AtomicBoolean(true);
        private final AtomicLong sent = new AtomicLong();
        private final AtomicLong rateLimited = new AtomicLong();
        private final List<Thread> threads = new ArrayList<>();

        public Flood(String baseUrl, String apiKey, String model, int senders) {
            HttpClient http = HttpClient.newHttpClient();
            byte[] body = params(model, 10).toString().getBytes(java.nio.charset.StandardCharsets.UTF_8);
            for (int i = 0; i < senders; i++) {
                threads.add(Thread.ofVirtual().start(() -> send(http, baseUrl, apiKey, body)));
            }
        }

        private void send(HttpClient http, String baseUrl, String apiKey, byte[] body) {
            {
                while (running.get()) {
                    HttpRequest request = HttpRequest.newBuilder(URI.create(baseUrl + "/v1/messages"))
                            .header("x-api-key", apiKey).header("anthropic-version", "2023-06-01")
                            .header("content-type", "application/json").POST(HttpRequest.BodyPublishers.ofByteArray(body)).build();
                    try {
                        HttpResponse<Void> response = http.send(request, HttpResponse.BodyHandlers.discarding());
                        sent.incrementAndGet();
                        if (response.statusCode() == 429) {
                            rateLimited.incrementAndGet();
                        }
                        Thread.sleep(5); // a few hundred requests a second: more than the refill, far from a benchmark
                    } catch (Exception e) {
                        return;
                    }
                }
            }
        }

        /** Waits until the key's quota is used up (a 429 came back), at most 30 s. */
        public Flood untilRateLimited() throws InterruptedException {
            long until = System.nanoTime() + 30_000_000_000L;
            while (rateLimited.get() == 0 && System.nanoTime() < until) {
                Thread.sleep(5);
            }
            return this;
        }

        /** Requests it sent that were answered. */
        public long sent() {
            return sent.get();
        }

        /** Of them, the 429s. */
        public long rateLimited() {
            return rateLimited.get();
        }

        @Override
        public void close() throws InterruptedException {
            running.set(false);
            for (Thread t : threads) {
                t.join();
            }
        }
    }
}
