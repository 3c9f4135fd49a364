package dev.pacer.anthropic.functional;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pacer.Pacer;
import dev.pacer.PacerException;
import dev.pacer.anthropic.AnthropicPacer;
import dev.pacer.breaker.CircuitBreakerSettings;
import dev.pacer.quota.Priority;
import dev.pacer.retry.RetryPolicy;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * A raw socket server that answers with hostile headers and broken bodies: the client must never
 * crash — each call ends in a result or in one clean {@link PacerException}.
 */
class MisbehavingServerTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private static final List<String> RESPONSES = List.of(
            "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\nanthropic-ratelimit-requests-limit: banana\r\n"
                    + "anthropic-ratelimit-requests-remaining: -5\r\nanthropic-ratelimit-input-tokens-reset: not-a-date\r\n"
                    + "anthropic-ratelimit-output-tokens-limit: 99999999999999999999\r\n",
            "HTTP/1.1 429 Too Many Requests\r\ncontent-type: application/json\r\nretry-after: 9999999999\r\nretry-after-ms: NaN\r\n",
            "HTTP/1.1 529 Overloaded\r\ncontent-type: text/html\r\nx-should-retry: maybe\r\n",
            "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\nanthropic-ratelimit-requests-remaining: 10\r\n"
                    + "anthropic-ratelimit-requests-limit: 0\r\nanthropic-ratelimit-input-tokens-remaining: 5000000\r\nanthropic-ratelimit-input-tokens-limit: 100000\r\n",
            "HTTP/1.1 500 Internal Server Error\r\ncontent-type: application/json\r\n");
    private static final List<String> BODIES = List.of(
            "{\"id\":\"msg_1\",\"type\":\"message\",\"content\":[],\"model\":\"m\",\"usage\":{\"input_tokens\":\"lots\",\"output_tokens\":-3}}",
            "{\"type\":\"error\",\"error\":{\"type\":\"rate_limit_error\"",
            "<html>overloaded</html>",
            "[1,2,3]",
            "");

    @Test
    void hostileHeadersAndBrokenBodiesNeverCrashTheClient() throws Exception {
        AtomicInteger served = new AtomicInteger();
        try (ServerSocket server = new ServerSocket(0)) {
            Thread.ofVirtual().start(() -> {
                while (!server.isClosed()) {
                    try {
                        Socket s = server.accept();
                        Thread.ofVirtual().start(() -> answer(s, served.getAndIncrement()));
                    } catch (IOException closed) {
                        return;
                    }
                }
            });
            Pacer pacer = Pacer.builder().retryPolicy(RetryPolicy.builder().maxAttempts(2).baseDelay(Duration.ofMillis(5))
                    .maxDelay(Duration.ofMillis(20)).maxRateLimitedRetries(1).build()).coldStartConcurrency(100)
                    // a server this broken opens the breaker; keep its pauses short so the test stays quick
                    .breaker(CircuitBreakerSettings.defaults().withOpenDuration(Duration.ofMillis(20), Duration.ofMillis(100))).build();
            try (AnthropicPacer claude = AnthropicPacer.builder().baseUrl("http://127.0.0.1:" + server.getLocalPort())
                    .apiKey("sk-ant-hostile").pacer(pacer).maxRetryAfter(Duration.ofMillis(50)).build()) {
                int ok = 0;
                int failed = 0;
                for (int i = 0; i < 30; i++) {
                    ObjectNode p = JSON.createObjectNode().put("model", "claude-sonnet-4-5").put("max_tokens", 10);
                    p.putArray("messages").addObject().put("role", "user").put("content", "hi");
                    try {
                        claude.messages(p, Priority.NORMAL, null).get(30, TimeUnit.SECONDS);
                        ok++;
                    } catch (ExecutionException e) {
                        assertThat(e.getCause()).isInstanceOf(PacerException.class);
                        assertThat(e.getCause().getMessage()).doesNotContain("sk-ant-hostile");
                        failed++;
                    }
                }
                assertThat(ok + failed).isEqualTo(30);
                assertThat(served.get()).isGreaterThanOrEqualTo(30);
            }
        }
    }

    private static void answer(Socket socket, int n) {
        try (socket; InputStream in = socket.getInputStream(); OutputStream out = socket.getOutputStream()) {
            byte[] buf = new byte[65536];
            int read = 0;
            // Read the request headers and its body (content-length).
            String head;
            while (true) {
                int r = in.read(buf, read, buf.length - read);
                if (r < 0) {
                    return;
                }
                read += r;
                head = new String(buf, 0, read, StandardCharsets.ISO_8859_1);
                int end = head.indexOf("\r\n\r\n");
                if (end >= 0) {
                    int len = 0;
                    for (String line : head.substring(0, end).split("\r\n")) {
                        if (line.toLowerCase().startsWith("content-length:")) {
                            len = Integer.parseInt(line.substring(15).trim());
                        }
                    }
                    if (read >= end + 4 + len) {
                        break;
                    }
                }
            }
            if (n % 7 == 6) {
                return; // close without answering
            }
            String body = BODIES.get(n % BODIES.size());
            String response = RESPONSES.get(n % RESPONSES.size()) + "content-length: " + body.getBytes(StandardCharsets.UTF_8).length
                    + "\r\nconnection: close\r\n\r\n" + body;
            out.write(response.getBytes(StandardCharsets.UTF_8));
        } catch (IOException ignored) {
            // the client hung up
        }
    }
}
