package dev.pacer.anthropic.functional;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpServer;
import dev.pacer.Pacer;
import dev.pacer.anthropic.AnthropicPacer;
import dev.pacer.anthropic.AnthropicQuotaKeys;
import dev.pacer.anthropic.ApiKey;
import dev.pacer.quota.Dimension;
import dev.pacer.quota.Limit;
import dev.pacer.quota.Priority;
import dev.pacer.quota.QuotaKey;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * A server whose 200s carry impossible {@code usage} (negative, or more output than {@code max_tokens}
 * allows): the call still succeeds, and the figure cannot put the local bucket into a debt that
 * blocks the calls after it.
 */
class HostileUsageTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String KEY = "sk-ant-hostile-usage";

    private static final List<String> USAGES = List.of(
            "{\"input_tokens\":-5,\"output_tokens\":-3,\"cache_read_input_tokens\":-1}",
            "{\"input_tokens\":10,\"output_tokens\":9000000000000}",
            "{\"input_tokens\":10,\"output_tokens\":12}");

    @Test
    void impossibleUsageNeitherFailsTheCallNorBlocksTheNextOnes() throws Exception {
        AtomicInteger served = new AtomicInteger();
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.createContext("/", ex -> {
            ex.getRequestBody().readAllBytes();
            String usage = USAGES.get(Math.min(served.getAndIncrement(), USAGES.size() - 1));
            byte[] body = ("{\"id\":\"msg_1\",\"type\":\"message\",\"role\":\"assistant\",\"model\":\"claude-haiku-4-5\","
                    + "\"content\":[{\"type\":\"text\",\"text\":\"hi\"}],\"stop_reason\":\"end_turn\",\"usage\":" + usage + "}")
                    .getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().add("content-type", "application/json");
            ex.sendResponseHeaders(200, body.length);
            ex.getResponseBody().write(body);
            ex.close();
        });
        server.start();
        QuotaKey pool = AnthropicQuotaKeys.forModelClass(ApiKey.of(KEY), "haiku-4-5");
        Pacer pacer = Pacer.builder().limit(pool, Dimension.REQUESTS, Limit.perMinute(1_000))
                .limit(pool, Dimension.OUTPUT_TOKENS, Limit.perMinute(8_000)).build();
        try (AnthropicPacer claude = AnthropicPacer.builder().baseUrl("http://127.0.0.1:" + server.getAddress().getPort())
                .apiKey(KEY).pacer(pacer).build()) {
            for (int i = 0; i < USAGES.size(); i++) {
                ObjectNode p = JSON.createObjectNode().put("model", "claude-haiku-4-5").put("max_tokens", 100);
                p.putArray("messages").addObject().put("role", "user").put("content", "hi");
                // A bucket in debt by 9e12 tokens would make this wait far past the deadline: QuotaWaitExceeded.
                AnthropicPacer.Reply reply = claude.messages(p, Priority.NORMAL, Instant.now().plusSeconds(10)).get(20, TimeUnit.SECONDS);
                assertThat(reply.usage().output()).isNotNegative();
                assertThat(reply.usage().input()).isNotNegative();
            }
            assertThat(served.get()).isEqualTo(USAGES.size());
            // The 9e12 was settled as max_tokens (100): the output bucket holds its 8,000 less what was really possible.
            assertThat(pacer.quotas().view(pool).dimension(Dimension.OUTPUT_TOKENS).level()).isGreaterThan(7_500);
        } finally {
            server.stop(0);
        }
    }
}
