package dev.pacer.batch.issues;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.pacer.batch.BatchRunner;
import dev.pacer.batch.RunOptions;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Found when the batch runner was attacked as a hostile upstream would: a 429 whose
 * {@code retry-after} is absurd ({@code 99999999999}) ended the call at once as an errored
 * {@code rate_limit_error} after one attempt. A delay nobody could mean is treated as absent: the
 * request is retried after the usual backoff and succeeds.
 */
class AbsurdRetryAfterIsRetriedTest {

    @TempDir
    Path dir;

    @Test
    void aRateLimitWithAnAbsurdRetryAfterIsRetriedAndTheRequestSucceeds() throws Exception {
        AtomicInteger requests = new AtomicInteger();
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/v1/messages", exchange -> {
            exchange.getRequestBody().readAllBytes();
            boolean first = requests.incrementAndGet() == 1;
            String body = first
                    ? "{\"type\":\"error\",\"error\":{\"type\":\"rate_limit_error\",\"message\":\"Number of request tokens has exceeded your"
                            + " per-minute rate limit\"}}"
                    : "{\"id\":\"msg_1\",\"type\":\"message\",\"role\":\"assistant\",\"model\":\"claude-sonnet-4-5\",\"content\":[{\"type\":"
                            + "\"text\",\"text\":\"ok\"}],\"stop_reason\":\"end_turn\",\"usage\":{\"input_tokens\":12,\"output_tokens\":3}}";
            if (first) {
                exchange.getResponseHeaders().add("retry-after", "99999999999");
            }
            exchange.getResponseHeaders().add("content-type", "application/json");
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(first ? 429 : 200, bytes.length);
            exchange.getResponseBody().write(bytes);
            exchange.close();
        });
        server.start();
        try {
            RunOptions options = IssueRuns.live(IssueRuns.requests(dir, 1), dir, "http://127.0.0.1:" + server.getAddress().getPort(), List.of(),
                    Duration.ofSeconds(5), new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
            Path out = options.output();

            BatchRunner.Summary s = new BatchRunner(options).run();

            assertThat(s.ending()).isEqualTo(BatchRunner.Ending.DONE);
            assertThat(s.succeeded()).isEqualTo(1);
            assertThat(requests.get()).isEqualTo(2);
            assertThat(s.attempts()).isEqualTo(2);
            assertThat(s.retries()).isEqualTo(1);
            assertThat(s.wire429()).isEqualTo(1);
            assertThat(Files.readString(out)).contains("\"type\":\"succeeded\"").contains("\"attempts\":2");
        } finally {
            server.stop(0);
        }
    }
}
