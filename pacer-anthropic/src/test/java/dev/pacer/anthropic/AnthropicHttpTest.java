package dev.pacer.anthropic;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Pacer's own HTTP client against a bare JDK server that records what it was sent. */
class AnthropicHttpTest {

    private static final byte[] BODY = "{\"model\":\"claude-haiku-4-5\"}".getBytes(StandardCharsets.UTF_8);

    private final List<String> seen = new CopyOnWriteArrayList<>();
    private final CountDownLatch release = new CountDownLatch(1);
    private HttpServer server;

    @AfterEach
    void stop() {
        release.countDown();
        if (server != null) {
            server.stop(0);
        }
    }

    /** Answers {@code {}} and records "path port upgrade key" of every request; "/stall" sends headers and stalls. */
    private String start() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.createContext("/", this::answer);
        server.start();
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    private void answer(HttpExchange ex) throws IOException {
        ex.getRequestBody().readAllBytes();
        String path = ex.getRequestURI().getPath();
        seen.add(path + " " + ex.getRemoteAddress().getPort() + " " + ex.getRequestHeaders().getFirst("upgrade") + " "
                + ex.getRequestHeaders().getFirst("x-api-key"));
        if (path.endsWith("/stall")) {
            ex.sendResponseHeaders(200, 0);
            OutputStream out = ex.getResponseBody();
            out.write("event: ping\ndata: {\"type\":\"ping\"}\n\n".getBytes(StandardCharsets.UTF_8));
            out.flush();
            try {
                release.await(30, TimeUnit.SECONDS); // headers sent, then silence
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            ex.close();
            return;
        }
        byte[] body = "{}".getBytes(StandardCharsets.UTF_8);
        ex.sendResponseHeaders(200, body.length);
        ex.getResponseBody().write(body);
        ex.close();
    }

    @Test
    void aBaseUrlWithAPathKeepsItsPrefix() throws Exception {
        String base = start() + "/anthropic/";
        try (AnthropicHttp http = AnthropicHttp.builder().baseUrl(base).apiKey("sk-ant-prefix").build()) {
            AnthropicHttp.Response r = http.post("/v1/messages", BODY, Duration.ofSeconds(10)).get(10, TimeUnit.SECONDS);
            assertThat(r.status()).isEqualTo(200);
        }
        assertThat(seen).hasSize(1);
        assertThat(seen.get(0)).startsWith("/anthropic/v1/messages ");
    }

    @Test
    void itOffersHttp2ReusesOneConnectionAndSendsTheKeyOnlyAsXApiKey() throws Exception {
        String base = start();
        try (AnthropicHttp http = AnthropicHttp.builder().baseUrl(base).apiKey("sk-ant-reuse").build()) {
            for (int i = 0; i < 5; i++) {
                http.post("/v1/messages", BODY, Duration.ofSeconds(10)).get(10, TimeUnit.SECONDS);
            }
            assertThat(http.toString()).doesNotContain("sk-ant-reuse");
            assertThat(http.keyFingerprint()).isEqualTo(AnthropicPacer.fingerprint("sk-ant-reuse")).doesNotContain("sk-");
        }
        assertThat(seen).hasSize(5);
        // One client port for five calls: one connection, kept alive and reused.
        assertThat(seen.stream().map(s -> s.split(" ")[1]).distinct()).hasSize(1);
        // The JDK client asks a cleartext server to upgrade to HTTP/2 (over TLS it offers h2 by ALPN).
        assertThat(seen).allMatch(s -> s.split(" ")[2].equals("h2c"));
        assertThat(seen).allMatch(s -> s.endsWith(" sk-ant-reuse"));
    }

    @Test
    void aRequestMaySendItsOwnKeyAndTheCallersHeadersButNeverReplaceTheKeyByAHeader() throws Exception {
        String base = start();
        try (AnthropicHttp http = AnthropicHttp.builder().baseUrl(base).build()) { // no key of its own
            AnthropicHttp.Request request = new AnthropicHttp.Request("POST", "/v1/messages", BODY, ApiKey.of("sk-ant-per-request"),
                    java.util.Map.of("x-api-key", "sk-ant-from-a-header", "connection", "close", "anthropic-beta", "b"), Duration.ofSeconds(10));
            assertThat(http.send(request).get(10, TimeUnit.SECONDS).status()).isEqualTo(200);
            Throwable noKey = catchThrowable(() -> http.post("/v1/messages", BODY, Duration.ofSeconds(10)).get(10, TimeUnit.SECONDS));
            assertThat(noKey).hasCauseInstanceOf(IllegalStateException.class).hasMessageContaining("No API key");
            assertThat(request.toString()).doesNotContain("sk-ant-per-request");
        }
        assertThat(seen).singleElement().satisfies(s -> assertThat(s).endsWith(" sk-ant-per-request"));
    }

    @Test
    void aResponseWhoseBodyStallsFailsAtItsTimeoutNotNever() throws Exception {
        String base = start();
        try (AnthropicHttp http = AnthropicHttp.builder().baseUrl(base).apiKey("sk-ant-stall").build()) {
            // The JDK's own request timeout stops at the headers: without a deadline on the body this waits 30 s.
            Throwable error = catchThrowable(() -> http.post("/v1/stall", BODY, Duration.ofMillis(300)).get(5, TimeUnit.SECONDS));
            assertThat(error).isInstanceOf(ExecutionException.class).hasCauseInstanceOf(HttpTimeoutException.class);
            assertThat(error.getCause().getMessage()).contains("/v1/stall").contains("300 ms").doesNotContain("sk-ant-stall");
        }
    }

    @Test
    void aStreamThatStallsIsClosedAtItsTimeoutAndTheReadFailsAsATimeout() throws Exception {
        String base = start();
        try (AnthropicHttp http = AnthropicHttp.builder().baseUrl(base).apiKey("sk-ant-stall").build()) {
            AnthropicHttp.Streaming stream = http.postStreaming("/v1/stall", BODY, Duration.ofMillis(500)).get(5, TimeUnit.SECONDS);
            assertThat(stream.status()).isEqualTo(200);
            byte[] first = new byte[64];
            InputStream body = stream.body();
            assertThat(body.read(first)).isPositive();
            Throwable error = catchThrowable(() -> {
                byte[] buf = new byte[64];
                while (body.read(buf) >= 0) {
                    // drain until the deadline closes the stream
                }
            });
            assertThat(error).isInstanceOf(HttpTimeoutException.class);
            assertThat(error.getMessage()).contains("500 ms");
            body.close();
        }
    }

    @Test
    void timeoutsAreDerivedFromMaxTokensLikeTheSdks() {
        // non-streaming: clamp(30 s x max_tokens / 1000, 30 s, 600 s)
        assertThat(AnthropicHttp.timeoutFor(1, false)).isEqualTo(Duration.ofSeconds(30));
        assertThat(AnthropicHttp.timeoutFor(1_000, false)).isEqualTo(Duration.ofSeconds(30));
        assertThat(AnthropicHttp.timeoutFor(4_096, false)).isEqualTo(Duration.ofMillis(122_880));
        assertThat(AnthropicHttp.timeoutFor(20_000, false)).isEqualTo(Duration.ofSeconds(600));
        assertThat(AnthropicHttp.timeoutFor(64_000, false)).isEqualTo(Duration.ofSeconds(600));
        // streaming: clamp(3600 s x max_tokens / 128000, 600 s, 3600 s)
        assertThat(AnthropicHttp.timeoutFor(1_000, true)).isEqualTo(Duration.ofSeconds(600));
        assertThat(AnthropicHttp.timeoutFor(32_000, true)).isEqualTo(Duration.ofSeconds(900));
        assertThat(AnthropicHttp.timeoutFor(64_000, true)).isEqualTo(Duration.ofSeconds(1_800));
        assertThat(AnthropicHttp.timeoutFor(500_000, true)).isEqualTo(Duration.ofSeconds(3_600));
        // hostile values neither overflow nor go negative
        assertThat(AnthropicHttp.timeoutFor(Long.MAX_VALUE, true)).isEqualTo(Duration.ofSeconds(3_600));
        assertThat(AnthropicHttp.timeoutFor(-5, false)).isEqualTo(Duration.ofSeconds(30));
    }
}
