package dev.pacer.openai;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pacer.CallFailed;
import dev.pacer.CallResult;
import dev.pacer.CallSpec;
import dev.pacer.Pacer;
import dev.pacer.anthropic.AnthropicCalls;
import dev.pacer.anthropic.ApiKey;
import dev.pacer.anthropic.MessageStream;
import dev.pacer.anthropic.MessagesCall;
import dev.pacer.anthropic.SseReader;
import dev.pacer.anthropic.StreamFailed;
import dev.pacer.outcome.OutcomeFamily;
import dev.pacer.quota.Priority;
import dev.pacer.route.Route;
import dev.pacer.retry.RetryPolicy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.Test;

/** The OpenAI target alone, through the engine, against scripted answers the simulator does not give on purpose. */
class OpenAiFallbackTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String OK = "{\"id\":\"chatcmpl-ok1\",\"object\":\"chat.completion\",\"choices\":[{\"index\":0,\"message\":{\"role\":"
            + "\"assistant\",\"content\":\"fine\"},\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":12,\"completion_tokens\":1,"
            + "\"total_tokens\":13}}";
    private static final Map<String, String> ID = Map.of("x-request-id", "req_0123456789abcdef");

    private final List<String> notes = new CopyOnWriteArrayList<>();

    private record Setup(Pacer pacer, OpenAiFallback openai, MessagesCall call, CallSpec spec) {
    }

    private Setup setup(ScriptedChatServer server, boolean stream) {
        Pacer pacer = Pacer.builder().retryPolicy(RetryPolicy.builder().baseDelay(Duration.ofMillis(20)).build()).build();
        OpenAiFallback openai = OpenAiFallback.builder(OpenAiEndpoint.of("gpt-4o-mini", server.baseUrl(), "sk-test-scripted"))
                .pacer(pacer).debug(notes::add).build();
        ObjectNode params = JSON.createObjectNode().put("model", "claude-sonnet-4-5").put("max_tokens", 50);
        params.putArray("messages").addObject().put("role", "user").put("content", "hi");
        if (stream) {
            params.put("stream", true);
        }
        MessagesCall call = AnthropicCalls.builder().build().messages(ApiKey.of("sk-ant-x"), params, Priority.NORMAL, null, -1);
        CallSpec spec = CallSpec.builder().route(Route.of(openai.target())).cost(t -> openai.cost(call)).build();
        return new Setup(pacer, openai, call, spec);
    }

    private CallResult<JsonNode> send(Setup s) {
        return s.pacer().execute(s.spec(), ctx -> s.openai().send(s.call(), ctx)).join();
    }

    @Test
    void a429IsRetriedAfterTheTryAgainInHintOfItsMessage() throws Exception {
        String limited = "{\"error\":{\"message\":\"Rate limit reached for gpt-4o-mini on requests per min (RPM): Limit 3, Used 3,"
                + " Requested 1. Please try again in 300ms.\",\"type\":\"requests\",\"code\":\"rate_limit_exceeded\"}}";
        try (ScriptedChatServer server = new ScriptedChatServer(List.of(ScriptedChatServer.Answer.json(429, limited, ID),
                ScriptedChatServer.Answer.json(200, OK, ID)))) {
            CallResult<JsonNode> r = send(setup(server, false));
            assertThat(r.value().path("content").path(0).path("text").asText()).isEqualTo("fine");
            assertThat(r.attempts()).isEqualTo(2);
            long gapMillis = (server.arrivals.get(1) - server.arrivals.get(0)) / 1_000_000;
            assertThat(gapMillis).as("waited for the hint").isGreaterThanOrEqualTo(250);
        }
    }

    @Test
    void aServerErrorIsRetriedAndHostileHeadersAreIgnoredWithANote() throws Exception {
        Map<String, String> hostile = Map.of("x-ratelimit-limit-requests", "-4", "x-ratelimit-remaining-tokens", "a lot",
                "x-ratelimit-reset-tokens", "tomorrow", "retry-after", "soon");
        try (ScriptedChatServer server = new ScriptedChatServer(List.of(
                ScriptedChatServer.Answer.json(500, "{\"error\":{\"message\":\"boom\",\"type\":\"server_error\"}}", hostile),
                ScriptedChatServer.Answer.json(200, OK, hostile)))) {
            CallResult<JsonNode> r = send(setup(server, false));
            assertThat(r.attempts()).isEqualTo(2);
            assertThat(r.value().path("usage").path("input_tokens").asLong()).isEqualTo(12);
            assertThat(notes).isNotEmpty().allSatisfy(n -> assertThat(n).doesNotContain("sk-scripted"));
        }
    }

    @Test
    void aRequestErrorFailsAtOnceWithTheServersMessageAndRequestId() throws Exception {
        try (ScriptedChatServer server = new ScriptedChatServer(List.of(ScriptedChatServer.Answer.json(400,
                "{\"error\":{\"message\":\"Invalid 'messages[0].content'\",\"type\":\"invalid_request_error\",\"param\":\"messages\"}}", ID)))) {
            Setup s = setup(server, false);
            assertThatThrownBy(() -> send(s)).isInstanceOf(CompletionException.class).cause().isInstanceOf(CallFailed.class)
                    .hasMessageContaining("Invalid 'messages[0].content' (x-request-id req_0123456789abcdef)");
            assertThat(server.arrivals).hasSize(1);
            assertThat(JSON.readTree(server.bodies.get(0)).path("model").asText()).isEqualTo("gpt-4o-mini");
        }
    }

    @Test
    void aServerThatSendsNoLimitsIsPacedToTheConfiguredOnes() throws Exception {
        try (ScriptedChatServer server = new ScriptedChatServer(List.of(ScriptedChatServer.Answer.json(200, OK, Map.of())))) {
            Pacer pacer = Pacer.builder().build();
            OpenAiFallback openai = OpenAiFallback.builder(OpenAiEndpoint.of("llama3", server.baseUrl(), "ollama").withLimits(60, 20_000))
                    .pacer(pacer).build();
            var view = pacer.quotas().view(openai.target().quotaKey());
            assertThat(view.dimensions().get(dev.pacer.quota.Dimension.REQUESTS).limit().capacity()).isEqualTo(60);
            assertThat(view.dimensions().get(OpenAiQuotaModel.TOKENS).limit().capacity()).isEqualTo(20_000);
            assertThat(openai.target().quotaKey().id()).startsWith("openai:").endsWith(":llama3").doesNotContain("ollama:");
        }
    }

    @Test
    void aStreamCutAfterItsFirstChunkFailsItsReaderAndTheEngineHearsIt() throws Exception {
        String chunks = "data: {\"id\":\"chatcmpl-s\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"par\"},"
                + "\"finish_reason\":null}]}\n\n" + "data: {\"id\":\"chatcmpl-s\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"tial\"}}]}\n\n";
        int cut = chunks.indexOf("data:", 10);
        try (ScriptedChatServer server = new ScriptedChatServer(List.of(new ScriptedChatServer.Answer(200, ID, chunks, true, cut)))) {
            Setup s = setup(server, true);
            var executor = Executors.newVirtualThreadPerTaskExecutor();
            CallResult<MessageStream> r = s.pacer().execute(s.spec(), ctx -> s.openai().stream(s.call(), ctx, executor)).join();
            MessageStream stream = r.value();
            List<String> names = new ArrayList<>();
            StreamFailed failed = null;
            try {
                for (SseReader.Event e; (e = stream.next()) != null; ) {
                    names.add(e.name());
                }
            } catch (StreamFailed f) {
                failed = f;
            }
            assertThat(names).startsWith("message_start", "content_block_start", "content_block_delta");
            assertThat(failed).as("a stream without [DONE] broke off").isNotNull();
            assertThat(failed.outcome().family()).isIn(OutcomeFamily.CONNECTION_FAILURE, OutcomeFamily.TIMEOUT);
            executor.shutdown();
        }
    }
}
