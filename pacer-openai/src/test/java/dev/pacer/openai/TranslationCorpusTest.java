package dev.pacer.openai;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import dev.pacer.anthropic.SseReader;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * The translation corpus ({@code translation-corpus.json}, 61 cases written from the rules table, not from
 * the code's output): Anthropic requests and the Chat Completions requests they must become, requests
 * that must be refused and the words of the refusal, Chat Completions answers and the Messages they must
 * become, and Chat Completions streams and the Anthropic events they must become, each compared field by
 * field (a difference names its path).
 */
class TranslationCorpusTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private static JsonNode corpus() throws Exception {
        try (InputStream in = TranslationCorpusTest.class.getResourceAsStream("translation-corpus.json")) {
            return JSON.readTree(in);
        }
    }

    @Test
    void theCorpusIsLargeAndVaried() throws Exception {
        JsonNode cases = corpus();
        assertThat(cases.size()).isGreaterThanOrEqualTo(40);
        List<String> kinds = new ArrayList<>();
        cases.forEach(c -> kinds.add(c.path("kind").asText()));
        assertThat(kinds).contains("request", "refused", "response", "stream", "bad-response");
    }

    @TestFactory
    Stream<DynamicTest> everyCaseTranslatesFieldByField() throws Exception {
        return StreamSupport.stream(corpus().spliterator(), false)
                .map(c -> DynamicTest.dynamicTest(c.path("kind").asText() + ": " + c.path("name").asText(), () -> check(c)));
    }

    private static void check(JsonNode c) throws Exception {
        JsonNode input = c.path("input");
        JsonNode expected = c.path("expected");
        switch (c.path("kind").asText()) {
            case "request" -> {
                MessagesToChat.Translation t = MessagesToChat.translate(input, "gpt-4o-mini");
                assertThat(t.refusal()).isNull();
                sameFields("", expected, normal(t.body()));
            }
            case "refused" -> {
                MessagesToChat.Translation t = MessagesToChat.translate(input, "gpt-4o-mini");
                assertThat(t.translated()).isFalse();
                assertThat(t.refusal()).contains(expected.asText()).doesNotContain("\n");
            }
            case "response" -> sameFields("", expected, normal(ChatToMessages.message(input, "claude-sonnet-4-5")));
            case "bad-response" -> assertThatThrownBy(() -> ChatToMessages.message(input, "claude-sonnet-4-5"))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(expected.asText());
            case "stream" -> {
                ChatStreamTranslation t = new ChatStreamTranslation(new ByteArrayInputStream(input.asText().getBytes(StandardCharsets.UTF_8)),
                        "claude-sonnet-4-5");
                ArrayNode events = JSON.createArrayNode();
                SseReader reader = new SseReader(t.events());
                for (SseReader.Event e; (e = reader.next()) != null; ) {
                    events.addArray().add(e.name()).add(JSON.readTree(e.data()));
                }
                sameFields("", expected, events);
            }
            default -> throw new AssertionError("unknown kind " + c.path("kind"));
        }
    }

    private static JsonNode normal(JsonNode n) throws Exception {
        return JSON.readTree(n.toString());
    }

    /** Fails naming the first path where {@code actual} differs from {@code expected}. */
    static void sameFields(String path, JsonNode expected, JsonNode actual) {
        if (expected.isObject() && actual.isObject()) {
            List<String> names = new ArrayList<>();
            expected.fieldNames().forEachRemaining(names::add);
            for (Iterator<String> it = actual.fieldNames(); it.hasNext(); ) {
                String n = it.next();
                assertThat(expected.has(n)).as("unexpected field %s.%s = %s", path, n, actual.get(n)).isTrue();
            }
            for (String n : names) {
                assertThat(actual.has(n)).as("missing field %s.%s", path, n).isTrue();
                sameFields(path + "." + n, expected.get(n), actual.get(n));
            }
            return;
        }
        if (expected.isArray() && actual.isArray()) {
            assertThat(actual.size()).as("length of %s: %s", path.isEmpty() ? "the events" : path, actual).isEqualTo(expected.size());
            for (int i = 0; i < expected.size(); i++) {
                sameFields(path + "[" + i + "]", expected.get(i), actual.get(i));
            }
            return;
        }
        assertThat(actual).as("field %s", path).isEqualTo(expected);
    }
}
