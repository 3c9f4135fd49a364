package dev.pacer.anthropic.functional;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.pacer.Pacer;
import dev.pacer.anthropic.AnthropicPacer;
import dev.pacer.anthropic.Usage;
import dev.pacer.event.PacerEvent;
import dev.pacer.quota.Limit;
import dev.pacer.quota.Priority;
import dev.pacer.time.ScaledClock;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.Test;

/**
 * A workspace with a combined per-minute token limit far below its input and output limits: the
 * provider reports it only in {@code anthropic-ratelimit-tokens-*}, and a client that read only the
 * input and output headers would send everything at once. (The simulator reports the sum of its
 * input and output limits there, which never binds; this server reports a workspace's limit.)
 */
class CombinedTokenLimitTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final double SCALE = 100;
    private static final long TOKENS_PER_MINUTE = 6_000; // six calls' worth
    private static final String MESSAGE = "{\"id\":\"msg_1\",\"type\":\"message\",\"role\":\"assistant\",\"model\":\"claude-haiku-4-5\","
            + "\"content\":[{\"type\":\"text\",\"text\":\"ok\"}],\"stop_reason\":\"end_turn\",\"stop_sequence\":null,"
            + "\"usage\":{\"input_tokens\":10,\"output_tokens\":990}}";

    @Test
    void aCombinedTokenLimitIsLearnedFromItsHeadersAndPaced() throws Exception {
        ScaledClock clock = new ScaledClock(Instant.parse("2026-11-24T12:00:00Z"), SCALE);
        List<Double> arrivals = new CopyOnWriteArrayList<>();
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.createContext("/", ex -> answer(ex, clock, arrivals));
        server.start();
        List<PacerEvent.Admitted> admitted = new CopyOnWriteArrayList<>();
        try (AnthropicPacer claude = AnthropicPacer.builder().baseUrl("http://127.0.0.1:" + server.getAddress().getPort())
                .apiKey("sk-ant-workspace").pacer(Pacer.builder().clock(clock).scheduler(clock).listener(e -> {
                    if (e instanceof PacerEvent.Admitted a) {
                        admitted.add(a);
                    }
                }).build()).build()) {
            List<CompletableFuture<AnthropicPacer.Reply>> calls = new ArrayList<>();
            for (int i = 0; i < 12; i++) {
                ObjectNode p = JSON.createObjectNode().put("model", "claude-haiku-4-5").put("max_tokens", 990);
                p.putArray("messages").addObject().put("role", "user").put("content", "hi");
                calls.add(claude.messages(p, Priority.NORMAL, null));
            }
            CompletableFuture.allOf(calls.toArray(CompletableFuture[]::new)).join();
            var view = claude.pacer().quotas().view(claude.quotaKey("claude-haiku-4-5"));
            assertThat(view.dimension(Usage.TOKENS).limit()).isEqualTo(Limit.perMinute(TOKENS_PER_MINUTE));
            assertThat(admitted).allSatisfy(a -> assertThat(a.cost().get(Usage.TOKENS)).as("every reservation counts input + output")
                    .isEqualTo(a.cost().get(dev.pacer.quota.Dimension.INPUT_TOKENS) + a.cost().get(dev.pacer.quota.Dimension.OUTPUT_TOKENS)));
        } finally {
            server.stop(0);
        }
        // About 1,000 tokens a call against 6,000 a minute (100 a second): the first six fit the bucket, each later one
        // waits some 10 s for its refill. No minute saw more than the bucket and its refill.
        double first = arrivals.get(0);
        for (int n = 0; n < arrivals.size(); n++) {
            double t = arrivals.get(n) - first;
            assertThat(n + 1).as("requests by %.1f s", t).isLessThanOrEqualTo((int) Math.floor(6 + t * 0.1 + 1));
        }
        assertThat(arrivals.get(arrivals.size() - 1) - first).as("the twelfth request waited for the combined bucket").isGreaterThan(45);
    }

    private static void answer(HttpExchange ex, ScaledClock clock, List<Double> arrivals) throws IOException {
        ex.getRequestBody().readAllBytes();
        arrivals.add(clock.nanoTime() / 1e9);
        byte[] body = MESSAGE.getBytes(StandardCharsets.UTF_8);
        var h = ex.getResponseHeaders();
        h.set("content-type", "application/json");
        h.set("request-id", "req_combined1");
        h.set("anthropic-ratelimit-requests-limit", "4000");
        h.set("anthropic-ratelimit-input-tokens-limit", "2000000");
        h.set("anthropic-ratelimit-output-tokens-limit", "400000");
        h.set("anthropic-ratelimit-tokens-limit", Long.toString(TOKENS_PER_MINUTE));
        ex.sendResponseHeaders(200, body.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(body);
        }
    }
}
