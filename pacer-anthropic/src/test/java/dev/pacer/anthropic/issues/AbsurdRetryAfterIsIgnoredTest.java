package dev.pacer.anthropic.issues;

import static org.assertj.core.api.Assertions.assertThat;

import com.anthropic.client.AnthropicClient;
import com.anthropic.client.okhttp.AnthropicOkHttpClient;
import com.anthropic.models.messages.Message;
import com.anthropic.models.messages.MessageCreateParams;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pacer.Pacer;
import dev.pacer.anthropic.AnthropicPacer;
import dev.pacer.anthropic.functional.ScriptedServer;
import dev.pacer.anthropic.sdk.PacedAnthropic;
import dev.pacer.quota.Priority;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A 429 whose {@code retry-after} is absurd ({@code 99999999999} seconds) ended the call at once as an
 * errored {@code rate_limit_error} after one attempt: the header was capped to {@code maxRetryAfter}
 * (10 minutes), and the engine then refused to wait a server delay that long on the target. A delay
 * above {@code maxRetryAfter} is not believed, so it is treated as absent: the call backs off on its
 * own and is retried.
 */
class AbsurdRetryAfterIsIgnoredTest {

    private static final Map<String, String> ABSURD = Map.of("retry-after", "99999999999");

    @Test
    void pacersOwnClientRetriesAndSucceeds() throws Exception {
        List<String> notes = new CopyOnWriteArrayList<>();
        try (ScriptedServer server = ScriptedServer.start(ScriptedServer.Answer.rateLimited(ABSURD));
             AnthropicPacer claude = AnthropicPacer.builder().baseUrl(server.baseUrl()).apiKey("sk-ant-test-retry-after")
                     .pacer(Pacer.builder().build()).debug(notes::add).build()) {
            ObjectNode params = new ObjectMapper().createObjectNode().put("model", "claude-haiku-4-5").put("max_tokens", 50);
            params.putArray("messages").addObject().put("role", "user").put("content", "hi");
            AnthropicPacer.Reply reply = claude.messages(params, Priority.NORMAL, null).get(30, TimeUnit.SECONDS);
            assertThat(reply.usage().output()).isEqualTo(5);
            assertThat(reply.call().attempts()).isEqualTo(2);
            assertThat(server.received()).hasSize(2);
        }
        assertThat(notes).anyMatch(n -> n.contains("retry-after") && n.contains("ignored"));
    }

    @Test
    void theSdkAdapterRetriesAndSucceeds() throws Exception {
        try (ScriptedServer server = ScriptedServer.start(ScriptedServer.Answer.rateLimited(ABSURD))) {
            AnthropicClient client = PacedAnthropic.wrap(AnthropicOkHttpClient.builder().baseUrl(server.baseUrl())
                    .apiKey("sk-ant-test-retry-after"), PacedAnthropic.options().pacer(Pacer.builder().build()));
            try {
                Message m = client.messages().create(MessageCreateParams.builder().model("claude-haiku-4-5").maxTokens(50)
                        .addUserMessage("hi").build());
                assertThat(m.usage().outputTokens()).isEqualTo(5);
            } finally {
                client.close();
            }
            assertThat(server.received()).hasSize(2);
        }
    }
}
