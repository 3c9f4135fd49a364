package dev.pacer.anthropic.functional;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pacer.Pacer;
import dev.pacer.anthropic.AnthropicPacer;
import dev.pacer.anthropic.CallOptions;
import dev.pacer.anthropic.MessagesReply;
import dev.pacer.anthropic.SseReader;
import dev.pacer.sim.SimServer;
import dev.pacer.sim.Tier;
import dev.pacer.time.ScaledClock;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@link AnthropicPacer#relay}: the provider's answer handed back as it is, for a relay: a Message
 * with its status, headers and body bytes; a stream with its response headers; and a refusal (here a
 * request error, not retried) with the provider's own status and body, streaming or not.
 */
class RelayTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private SimServer sim;
    private AnthropicPacer claude;

    @AfterEach
    void stop() {
        claude.close();
        sim.close();
    }

    private void start() throws Exception {
        sim = SimServer.builder().tier(Tier.TIER_2).timeScale(60).start();
        ScaledClock clock = new ScaledClock(sim.clock().now(), 60);
        claude = AnthropicPacer.builder().baseUrl(sim.baseUrl()).pacer(Pacer.builder().clock(clock).scheduler(clock).build()).build();
    }

    private static ObjectNode params(int maxTokens, boolean stream) {
        ObjectNode p = JSON.createObjectNode().put("model", "claude-haiku-4-5").put("max_tokens", maxTokens);
        if (stream) {
            p.put("stream", true);
        }
        p.putArray("messages").addObject().put("role", "user").put("content", "Hello");
        return p;
    }

    private MessagesReply relay(ObjectNode params) throws Exception {
        byte[] body = JSON.writeValueAsBytes(params);
        return claude.relay(params, body, CallOptions.defaults().withApiKey("sk-ant-relay-test")).join();
    }

    @Test
    void aMessageComesBackWithItsHeadersAndBytes() throws Exception {
        start();
        MessagesReply r = relay(params(32, false));
        assertThat(r.isStream()).isFalse();
        assertThat(r.reply().status()).isEqualTo(200);
        assertThat(r.reply().header("request-id")).hasValueSatisfying(v -> assertThat(v).startsWith("req_"));
        assertThat(r.reply().header("anthropic-ratelimit-requests-limit")).isPresent();
        assertThat(new String(r.reply().bytes(), StandardCharsets.UTF_8)).contains("\"type\":\"message\"");
        assertThat(r.attempts()).isEqualTo(1);
        assertThat(r.model()).isEqualTo("claude-haiku-4-5");
    }

    @Test
    void aStreamComesBackWithTheHeadersThatOpenedIt() throws Exception {
        start();
        MessagesReply r = relay(params(32, true));
        assertThat(r.isStream()).isTrue();
        assertThat(r.stream().headers().firstValue("anthropic-ratelimit-requests-limit")).isPresent();
        String last = null;
        try (var stream = r.stream()) {
            for (SseReader.Event e; (e = stream.next()) != null; ) {
                last = e.name();
            }
        }
        assertThat(last).isEqualTo("message_stop");
    }

    @Test
    void aRefusalComesBackAsTheProviderSentItStreamingOrNot() throws Exception {
        start();
        for (boolean stream : new boolean[] {false, true}) {
            MessagesReply r = relay(params(0, stream)); // max_tokens 0: the API's 400
            assertThat(r.isStream()).isFalse();
            assertThat(r.reply().status()).isEqualTo(400);
            assertThat(r.reply().outcome().errorType()).isEqualTo("invalid_request_error");
            assertThat(new String(r.reply().bytes(), StandardCharsets.UTF_8)).startsWith("{\"type\":\"error\"");
            assertThat(r.attempts()).as("a request error is not retried").isEqualTo(1);
        }
    }
}
