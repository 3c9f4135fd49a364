package dev.pacer.openai.functional;

import static org.assertj.core.api.Assertions.assertThat;

import com.anthropic.core.ObjectMappers;
import com.anthropic.helpers.MessageAccumulator;
import com.anthropic.models.messages.Message;
import com.anthropic.models.messages.RawMessageStreamEvent;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pacer.CallFailed;
import dev.pacer.Pacer;
import dev.pacer.anthropic.AnthropicPacer;
import dev.pacer.anthropic.MessageStream;
import dev.pacer.anthropic.SseReader;
import dev.pacer.event.PacerEvent;
import dev.pacer.openai.OpenAiEndpoint;
import dev.pacer.openai.OpenAiFallback;
import dev.pacer.quota.Priority;
import dev.pacer.route.Skip;
import dev.pacer.route.SkipReason;
import dev.pacer.sim.ChatSimSettings;
import dev.pacer.sim.FaultProfile;
import dev.pacer.sim.SimServer;
import dev.pacer.sim.Tier;
import dev.pacer.time.ScaledClock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/**
 * A mixed chain through {@link AnthropicPacer}, against the simulator over real HTTP: while every Claude
 * model is overloaded (a 529 storm), {@code claude-sonnet-4-5 → claude-haiku-4-5 → openai:gpt-4o-mini}
 * answers from the simulator's Chat Completions endpoint, in the Anthropic shape the official SDK parses,
 * for plain, streaming and tool-use requests, within the OpenAI limits; a spent OpenAI quota ends the
 * chain at once and the target is passed over for the rest of the run.
 */
class CrossProviderFallbackTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final double SCALE = 60;

    private record Chain(SimServer sim, Pacer pacer, AnthropicPacer claude, OpenAiFallback openai, List<PacerEvent> events)
            implements AutoCloseable {
        @Override
        public void close() {
            claude.close();
            sim.close();
        }
    }

    private static Chain chain(ChatSimSettings chat) throws Exception {
        SimServer sim = SimServer.builder().tier(Tier.TIER_2).timeScale(SCALE).seed(11).configure(s -> s.chat(chat)).start();
        sim.setFaults(FaultProfile.NONE.withOverloaded(1.0));
        ScaledClock clock = new ScaledClock(sim.clock().now(), SCALE);
        List<PacerEvent> events = new CopyOnWriteArrayList<>();
        Pacer pacer = Pacer.builder().clock(clock).scheduler(clock).listener(events::add).build();
        OpenAiFallback openai = OpenAiFallback.builder(OpenAiEndpoint.of("gpt-4o-mini", sim.baseUrl() + "/v1", "sk-openai-test-key"))
                .pacer(pacer).build();
        AnthropicPacer claude = AnthropicPacer.builder().baseUrl(sim.baseUrl()).apiKey("sk-ant-test-key").pacer(pacer)
                .fallbackModels(List.of("claude-haiku-4-5")).fallback(openai).build();
        return new Chain(sim, pacer, claude, openai, events);
    }

    private static ObjectNode params(String text) {
        ObjectNode p = JSON.createObjectNode().put("model", "claude-sonnet-4-5").put("max_tokens", 200);
        p.putArray("messages").addObject().put("role", "user").put("content", text);
        return p;
    }

    private static ObjectNode withTool(ObjectNode p) {
        ObjectNode tool = p.putArray("tools").addObject().put("name", "get_weather").put("description", "Weather for a city");
        ObjectNode schema = tool.putObject("input_schema").put("type", "object");
        schema.putObject("properties").putObject("city").put("type", "string");
        schema.putArray("required").add("city");
        return p;
    }

    private static Message parsedBySdk(JsonNode message) throws Exception {
        Message m = ObjectMappers.jsonMapper().readValue(message.toString(), Message.class);
        m.validate();
        return m;
    }

    private static List<SseReader.Event> readAll(MessageStream stream) {
        List<SseReader.Event> events = new ArrayList<>();
        for (SseReader.Event e; (e = stream.next()) != null; ) {
            events.add(e);
        }
        return events;
    }

    private static Message accumulatedBySdk(List<SseReader.Event> events) throws Exception {
        MessageAccumulator acc = MessageAccumulator.create();
        for (SseReader.Event e : events) {
            RawMessageStreamEvent event = ObjectMappers.jsonMapper().readValue(e.data(), RawMessageStreamEvent.class);
            event.validate();
            acc.accumulate(event);
        }
        return acc.message();
    }

    @Test
    void aStormOnEveryClaudeModelFallsBackToOpenAiForPlainCalls() throws Exception {
        try (Chain c = chain(ChatSimSettings.DEFAULT)) {
            List<CompletableFuture<AnthropicPacer.Reply>> calls = new ArrayList<>();
            for (int i = 0; i < 12; i++) {
                calls.add(c.claude().messages(params("Tell me about pacing, call " + i), Priority.INTERACTIVE, null));
            }
            for (CompletableFuture<AnthropicPacer.Reply> f : calls) {
                AnthropicPacer.Reply r = f.join();
                assertThat(r.model()).isEqualTo("gpt-4o-mini");
                assertThat(r.call().skipped()).extracting(s -> s.target().model()).containsExactly("claude-sonnet-4-5", "claude-haiku-4-5");
                Message m = parsedBySdk(r.message());
                assertThat(m.model().asString()).as("the caller sees the model it asked for").isEqualTo("claude-sonnet-4-5");
                assertThat(m.id()).startsWith("msg_");
                assertThat(m.content().get(0).text().orElseThrow().text()).isNotBlank();
                assertThat(m.usage().inputTokens()).isPositive();
                assertThat(m.usage().outputTokens()).isPositive();
                assertThat(r.usage().output()).isEqualTo(m.usage().outputTokens());
            }
            assertThat(c.sim().chatStats().succeeded()).isEqualTo(12);
            assertThat(c.sim().chatStats().rateLimited()).as("the OpenAI limits were never exceeded").isZero();
            assertThat(c.sim().stats().path("responses").path("529").asLong()).isPositive();
        }
    }

    @Test
    void theOpenAiTargetIsPacedToItsLimitsLearnedFromItsHeaders() throws Exception {
        try (Chain c = chain(ChatSimSettings.DEFAULT.withModel("gpt-4o-mini", 30, 3_000))) {
            List<CompletableFuture<AnthropicPacer.Reply>> calls = new ArrayList<>();
            for (int i = 0; i < 40; i++) {
                calls.add(c.claude().messages(params("Pace me, call " + i), Priority.BULK, null));
            }
            CompletableFuture.allOf(calls.toArray(CompletableFuture[]::new)).join();
            assertThat(calls).allMatch(f -> f.join().model().equals("gpt-4o-mini"));
            // 40 calls of ~215 charged tokens against 3,000 TPM and 30 RPM: more than two simulated minutes of quota.
            assertThat(c.sim().chatStats().succeeded()).isEqualTo(40);
            assertThat(c.sim().chatStats().tokensCharged()).isGreaterThan(6_000);
            assertThat(c.sim().chatStats().rateLimited()).as("no OpenAI limit was ever met").isZero();
        }
    }

    @Test
    void aStormFallsBackToOpenAiForStreamsEventByEvent() throws Exception {
        try (Chain c = chain(ChatSimSettings.DEFAULT)) {
            for (int i = 0; i < 4; i++) {
                try (MessageStream stream = c.claude().stream(params("Stream something, " + i), Priority.INTERACTIVE, null).join()) {
                    assertThat(stream.model()).isEqualTo("gpt-4o-mini");
                    List<SseReader.Event> events = readAll(stream);
                    assertThat(events.get(0).name()).isEqualTo("message_start");
                    assertThat(events.get(1).name()).isEqualTo("content_block_start");
                    assertThat(events.get(events.size() - 2).name()).isEqualTo("message_delta");
                    assertThat(events.get(events.size() - 1).name()).isEqualTo("message_stop");
                    Message m = accumulatedBySdk(events);
                    assertThat(m.content().get(0).text().orElseThrow().text()).isNotBlank();
                    assertThat(m.stopReason()).isPresent();
                    assertThat(stream.usage().output()).isPositive();
                }
            }
            assertThat(c.sim().chatStats().streamed()).isEqualTo(4);
            assertThat(c.sim().chatStats().rateLimited()).isZero();
        }
    }

    @Test
    void aStormFallsBackToOpenAiForToolUsePlainAndStreamedAndTheToolResultGoesBack() throws Exception {
        try (Chain c = chain(ChatSimSettings.DEFAULT)) {
            AnthropicPacer.Reply r = c.claude().messages(withTool(params("Weather in Paris?")), Priority.INTERACTIVE, null).join();
            Message m = parsedBySdk(r.message());
            assertThat(m.stopReason().orElseThrow().asString()).isEqualTo("tool_use");
            var use = m.content().stream().filter(b -> b.isToolUse()).findFirst().orElseThrow().asToolUse();
            assertThat(use.name()).isEqualTo("get_weather");
            assertThat(r.message().path("content").path(0).path("input").path("city").isTextual()).isTrue();

            // The next turn carries the tool_use and its tool_result back: translated, and valid for the server.
            ObjectNode next = withTool(params("Weather in Paris?"));
            next.withArray("messages").add(JSON.createObjectNode().put("role", "assistant").set("content", r.message().path("content")));
            ObjectNode result = next.withArray("messages").addObject().put("role", "user");
            result.putArray("content").addObject().put("type", "tool_result").put("tool_use_id", use.id()).put("content", "18C and sunny");
            AnthropicPacer.Reply answer = c.claude().messages(next, Priority.INTERACTIVE, null).join();
            assertThat(parsedBySdk(answer.message()).stopReason().orElseThrow().asString()).isIn("end_turn", "max_tokens");

            try (MessageStream stream = c.claude().stream(withTool(params("Weather in Rome?")), Priority.INTERACTIVE, null).join()) {
                List<SseReader.Event> events = readAll(stream);
                assertThat(events).extracting(SseReader.Event::name).contains("content_block_start", "content_block_delta", "message_stop");
                assertThat(events).anySatisfy(e -> assertThat(e.data()).contains("input_json_delta"));
                Message streamed = accumulatedBySdk(events);
                var call = streamed.content().get(0).asToolUse();
                assertThat(call.name()).isEqualTo("get_weather");
                assertThat(streamed.stopReason().orElseThrow().asString()).isEqualTo("tool_use");
            }
            assertThat(c.sim().chatStats().rateLimited()).isZero();
        }
    }

    @Test
    void aRequestThatCannotBeTranslatedSkipsOpenAiAndFailsWithOneSentence() throws Exception {
        try (Chain c = chain(ChatSimSettings.DEFAULT)) {
            ObjectNode thinking = params("Think hard");
            thinking.put("max_tokens", 4000);
            thinking.putObject("thinking").put("type", "enabled").put("budget_tokens", 2000);
            CompletionException e = org.junit.jupiter.api.Assertions.assertThrows(CompletionException.class,
                    () -> c.claude().messages(thinking, Priority.INTERACTIVE, null).join());
            CallFailed failed = (CallFailed) e.getCause();
            assertThat(failed.skipped()).extracting(Skip::reason).endsWith(SkipReason.UNSUPPORTED);
            assertThat(failed.getMessage()).contains("openai/gpt-4o-mini unsupported")
                    .contains("cannot be sent to openai/gpt-4o-mini faithfully: extended thinking has no Chat Completions counterpart")
                    .doesNotContain("\n");
            assertThat(c.sim().chatStats().requests()).isZero();
        }
    }

    @Test
    void insufficientQuotaEndsTheChainAtOnceAndPassesTheTargetOverForTheRun() throws Exception {
        try (Chain c = chain(ChatSimSettings.DEFAULT.withBudget(1, "insufficient_quota"))) {
            assertThat(c.claude().messages(params("first"), Priority.INTERACTIVE, null).join().model()).isEqualTo("gpt-4o-mini");
            CompletionException e = org.junit.jupiter.api.Assertions.assertThrows(CompletionException.class,
                    () -> c.claude().messages(params("second"), Priority.INTERACTIVE, null).join());
            CallFailed failed = (CallFailed) e.getCause();
            assertThat(failed.getMessage()).contains("openai/gpt-4o-mini spend cap").contains("insufficient_quota")
                    .contains("You exceeded your current quota").containsPattern("x-request-id req_[0-9a-f]+");
            assertThat(c.sim().chatStats().budgetRefused()).isEqualTo(1);
            assertThat(c.events()).noneMatch(ev -> ev instanceof PacerEvent.RetryScheduled r && r.target().equals(c.openai().target()));
            assertThat(c.openai().spentBy()).isNotNull();

            long before = c.sim().chatStats().requests();
            CompletionException third = org.junit.jupiter.api.Assertions.assertThrows(CompletionException.class,
                    () -> c.claude().messages(params("third"), Priority.INTERACTIVE, null).join());
            assertThat(((CallFailed) third.getCause()).skipped()).extracting(Skip::reason).endsWith(SkipReason.SPEND_CAP);
            assertThat(c.sim().chatStats().requests()).as("the spent target is not asked again").isEqualTo(before);
        }
    }
}
