package dev.pacer.batch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import dev.pacer.time.ScaledClock;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The Batches endpoints through the engine: retried, waited out, refused, or let go on a stop. */
class BatchesClientTest {

    /** One scripted answer: status, retry-after (or null), body. */
    private record Answer(int status, String retryAfter, String body) {
    }

    private final Deque<Answer> script = new ArrayDeque<>();
    private final AtomicInteger requests = new AtomicInteger();
    private HttpServer server;

    private BatchesClient client(StopSignal stop) throws Exception {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/v1/messages/batches", exchange -> {
            exchange.getRequestBody().readAllBytes();
            requests.incrementAndGet();
            Answer a;
            synchronized (script) {
                a = script.size() > 1 ? script.poll() : script.peek();
            }
            if (a.retryAfter() != null) {
                exchange.getResponseHeaders().add("retry-after", a.retryAfter());
            }
            byte[] bytes = a.body().getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("content-type", "application/json");
            exchange.sendResponseHeaders(a.status(), bytes.length);
            exchange.getResponseBody().write(bytes);
            exchange.close();
        });
        server.start();
        ScaledClock clock = new ScaledClock(Instant.now(), 1);
        RunOptions options = new RunOptions(Path.of("in.jsonl"), Path.of("out.jsonl"), RunOptions.Via.BATCHES,
                "http://127.0.0.1:" + server.getAddress().getPort(), "sk-ant-test-batches", List.of(), null, null, false, false, null, null,
                Duration.ofSeconds(1), Map.of(), clock, clock, new PrintStream(OutputStream.nullOutputStream()), false, Prices.defaults(),
                Duration.ofSeconds(1), false, false);
        return new BatchesClient(options, stop);
    }

    @AfterEach
    void stopServer() {
        if (server != null) {
            server.stop(0);
        }
    }

    private static String error(String type, String message) {
        return "{\"type\":\"error\",\"error\":{\"type\":\"" + type + "\",\"message\":\"" + message + "\"}}";
    }

    private static final String BATCH = "{\"id\":\"msgbatch_1\",\"processing_status\":\"in_progress\"}";

    @Test
    void overloadsAndRateLimitsAreRetriedByTheEngine() throws Exception {
        script.add(new Answer(529, null, error("overloaded_error", "Overloaded")));
        script.add(new Answer(429, "1", error("rate_limit_error", "Number of requests has exceeded your rate limit")));
        script.add(new Answer(200, null, BATCH));
        try (BatchesClient api = client(new StopSignal())) {
            BatchesClient.Reply r = api.retrieve("msgbatch_1");
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.body().path("id").asText()).isEqualTo("msgbatch_1");
        }
        assertThat(requests.get()).isEqualTo(3);
    }

    @Test
    void aRequestErrorIsRefusedAtOnceWithTheApisMessage() throws Exception {
        script.add(new Answer(400, null, error("invalid_request_error", "requests: too many items")));
        try (BatchesClient api = client(new StopSignal())) {
            assertThatThrownBy(() -> api.create("{}".getBytes(StandardCharsets.UTF_8), false)).isInstanceOf(BatchException.class)
                    .hasMessage("The Batches API refused creating a batch: requests: too many items.");
        }
        assertThat(requests.get()).isEqualTo(1);
    }

    @Test
    void aFullProcessingQueueIsHandedBackAsItIsWhileOurBatchesAreOutstanding() throws Exception {
        script.add(new Answer(429, "60", error("rate_limit_error", "processing queue is full")));
        try (BatchesClient api = client(new StopSignal())) {
            BatchesClient.Reply r = api.create("{}".getBytes(StandardCharsets.UTF_8), true);
            assertThat(r.status()).isEqualTo(429);
            assertThat(r.message()).isEqualTo("processing queue is full");
        }
        assertThat(requests.get()).isEqualTo(1);
    }

    @Test
    void aStopIsActedOnWhileACallWaitsOutARateLimitAndNothingMoreIsSent() throws Exception {
        script.add(new Answer(429, "30", error("rate_limit_error", "Number of requests has exceeded your rate limit")));
        StopSignal stop = new StopSignal();
        try (BatchesClient api = client(stop)) {
            CompletableFuture<BatchesClient.Reply> poll = CompletableFuture.supplyAsync(() -> api.retrieve("msgbatch_1"));
            while (requests.get() == 0) {
                Thread.sleep(10);
            }
            long at = System.nanoTime();
            stop.set(StopSignal.Reason.INTERRUPTED);
            assertThat(poll.get(5, TimeUnit.SECONDS)).as("no answer is waited for").isNull();
            assertThat(Duration.ofNanos(System.nanoTime() - at)).isLessThan(Duration.ofSeconds(2));
        }
        assertThat(requests.get()).isEqualTo(1);
    }
}
