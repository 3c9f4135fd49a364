package dev.pacer.openai;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.Locale;

/**
 * A Chat Completions answer as an Anthropic Message: the text as a text block, each tool call as a
 * {@code tool_use} block (its id kept, its arguments parsed), {@code finish_reason} as
 * {@code stop_reason} ({@code stop} → {@code end_turn}, {@code length} → {@code max_tokens},
 * {@code tool_calls} → {@code tool_use}, {@code content_filter} and a refusal → {@code refusal}), and
 * the usage with cached prompt tokens as {@code cache_read_input_tokens}. The message carries the
 * model the caller asked for, so its SDK and code see the shape they asked for; the model that
 * answered is Pacer's metadata (the reply's target). An answer that cannot be read as one
 * ({@link IllegalArgumentException}) is the server's fault and retried. Stateless and thread-safe.
 */
public final class ChatToMessages {

    private static final ObjectMapper JSON = new ObjectMapper();

    private ChatToMessages() {
    }

    /**
     * {@code completion} as a Message for a request that asked for {@code requestModel}.
     *
     * @throws IllegalArgumentException when {@code completion} is not a Chat Completion with one choice
     */
    public static ObjectNode message(JsonNode completion, String requestModel) {
        JsonNode choice = completion == null ? null : completion.path("choices").path(0);
        if (choice == null || !choice.path("message").isObject() || !completion.path("usage").isObject()) {
            throw new IllegalArgumentException("the answer is not a chat completion with a message and usage");
        }
        JsonNode msg = choice.path("message");
        ObjectNode out = JSON.createObjectNode();
        out.put("id", messageId(completion.path("id").asText("")));
        out.put("type", "message").put("role", "assistant").put("model", requestModel);
        ArrayNode content = out.putArray("content");
        String text = msg.path("content").isTextual() ? msg.path("content").asText() : null;
        boolean refused = msg.path("refusal").isTextual() && !msg.path("refusal").asText().isEmpty();
        if (refused) {
            text = msg.path("refusal").asText();
        }
        if (text != null && !text.isEmpty()) {
            content.addObject().put("type", "text").put("text", text);
        }
        for (JsonNode call : msg.path("tool_calls")) {
            ObjectNode use = content.addObject().put("type", "tool_use").put("id", call.path("id").asText());
            use.put("name", call.path("function").path("name").asText());
            use.set("input", arguments(call.path("function").path("arguments").asText("")));
        }
        out.put("stop_reason", refused ? "refusal" : stopReason(choice.path("finish_reason").asText("stop")));
        out.putNull("stop_sequence");
        out.set("usage", usage(completion.path("usage")));
        return out;
    }

    /** A Chat Completions {@code finish_reason} as an Anthropic {@code stop_reason}. */
    public static String stopReason(String finishReason) {
        return switch (finishReason == null ? "stop" : finishReason) {
            case "length" -> "max_tokens";
            case "tool_calls", "function_call" -> "tool_use";
            case "content_filter" -> "refusal";
            default -> "end_turn";
        };
    }

    /** Chat Completions usage as Anthropic usage: cached prompt tokens are cache reads, the rest input. */
    public static ObjectNode usage(JsonNode usage) {
        long prompt = Math.max(0, usage.path("prompt_tokens").asLong(0));
        long cached = Math.max(0, Math.min(prompt, usage.path("prompt_tokens_details").path("cached_tokens").asLong(0)));
        ObjectNode u = JSON.createObjectNode();
        u.put("input_tokens", prompt - cached);
        u.put("cache_creation_input_tokens", 0);
        u.put("cache_read_input_tokens", cached);
        u.put("output_tokens", Math.max(0, usage.path("completion_tokens").asLong(0)));
        return u;
    }

    /** An Anthropic-looking message id from a completion's: {@code msg_} and the id's letters and digits. */
    public static String messageId(String completionId) {
        String core = completionId.startsWith("chatcmpl-") ? completionId.substring("chatcmpl-".length()) : completionId;
        StringBuilder sb = new StringBuilder("msg_");
        for (int i = 0; i < core.length() && sb.length() < 60; i++) {
            char c = core.charAt(i);
            if (Character.isLetterOrDigit(c) && c < 0x80) {
                sb.append(c);
            }
        }
        if (sb.length() == 4) {
            sb.append(Long.toHexString(System.identityHashCode(completionId)).toLowerCase(Locale.ROOT));
        }
        return sb.toString();
    }

    /** A tool call's arguments (a JSON text) as a tool_use input (an object). */
    static JsonNode arguments(String text) {
        if (text.isBlank()) {
            return JSON.createObjectNode();
        }
        try {
            JsonNode input = JSON.readTree(text);
            if (input != null && input.isObject()) {
                return input;
            }
        } catch (IOException e) {
            // below
        }
        throw new IllegalArgumentException("a tool call's arguments are not a JSON object");
    }
}
