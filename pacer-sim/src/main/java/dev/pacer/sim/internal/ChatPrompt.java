package dev.pacer.sim.internal;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A Chat Completions request as the simulator reads it: its checks (each answer is
 * {@code "param|message"} as OpenAI's 400 names them), its prompt tokens (the simulator's tokenizer over
 * text, tool calls and tool definitions, 3 tokens per message and 3 to prime the reply, an image 85
 * tokens at {@code detail: low} and 765 otherwise), and the cached part of a prompt seen before.
 */
final class ChatPrompt {

    private static final Set<String> ROLES = Set.of("system", "developer", "user", "assistant", "tool");
    private static final int CACHE_MIN = 1024;

    private final Tokenizer tokenizer;
    private final Map<String, Boolean> seenPrefixes = new ConcurrentHashMap<>();

    ChatPrompt(Tokenizer tokenizer) {
        this.tokenizer = tokenizer;
    }

    /** The first problem of the request as {@code "param|message"}, or null when it is valid. */
    static String invalid(JsonNode body) {
        if (!body.path("model").isTextual() || body.path("model").asText().isBlank()) {
            return "model|you must provide a model parameter";
        }
        JsonNode messages = body.path("messages");
        if (!messages.isArray()) {
            return "messages|Missing required parameter: 'messages'.";
        }
        if (messages.isEmpty()) {
            return "messages|Invalid 'messages': empty array. Expected an array with minimum length 1, but got an empty array instead.";
        }
        Set<String> awaited = new HashSet<>();
        for (int i = 0; i < messages.size(); i++) {
            JsonNode m = messages.get(i);
            String role = m.path("role").asText("");
            String at = "messages[" + i + "]";
            if (!ROLES.contains(role)) {
                return at + ".role|Invalid value: '" + role + "'. Supported values are: 'system', 'assistant', 'user', 'tool', and 'developer'.";
            }
            if (!awaited.isEmpty() && !role.equals("tool")) {
                return "messages.[" + i + "].role|An assistant message with 'tool_calls' must be followed by tool messages responding to each"
                        + " 'tool_call_id'. The following tool_call_ids did not have response messages: " + String.join(", ", awaited);
            }
            if (role.equals("tool")) {
                String id = m.path("tool_call_id").asText("");
                if (!awaited.remove(id)) {
                    return at + ".role|Invalid parameter: messages with role 'tool' must be a response to a preceeding message with"
                            + " 'tool_calls'.";
                }
            }
            if (role.equals("assistant")) {
                for (JsonNode call : m.path("tool_calls")) {
                    if (!call.path("id").isTextual() || !call.path("function").path("name").isTextual()
                            || !call.path("function").path("arguments").isTextual()) {
                        return at + ".tool_calls|Each tool call needs an id, a function name and its arguments as a JSON string.";
                    }
                    awaited.add(call.path("id").asText());
                }
            } else if (!m.has("content") || m.get("content").isNull()) {
                return at + ".content|Invalid value for 'content': expected a string or an array of content parts, got null.";
            }
        }
        if (!awaited.isEmpty()) {
            return "messages|An assistant message with 'tool_calls' must be followed by tool messages responding to each 'tool_call_id'."
                    + " The following tool_call_ids did not have response messages: " + String.join(", ", awaited);
        }
        for (String field : new String[] {"max_tokens", "max_completion_tokens"}) {
            if (body.has(field) && (!body.get(field).canConvertToLong() || body.get(field).asLong() < 1)) {
                return field + "|Invalid '" + field + "': integer below minimum value. Expected a value >= 1, but got "
                        + body.get(field) + " instead.";
            }
        }
        if (body.has("temperature") && !(body.path("temperature").asDouble(-1) >= 0 && body.path("temperature").asDouble() <= 2)) {
            return "temperature|Invalid 'temperature': expected a number between 0 and 2.";
        }
        if (body.has("top_p") && !(body.path("top_p").asDouble(-1) >= 0 && body.path("top_p").asDouble() <= 1)) {
            return "top_p|Invalid 'top_p': expected a number between 0 and 1.";
        }
        JsonNode stop = body.path("stop");
        if (stop.isArray() && stop.size() > 4) {
            return "stop|Invalid 'stop': array too long. Expected an array with maximum length 4, but got an array with length "
                    + stop.size() + " instead.";
        }
        if (body.has("n") && body.path("n").asInt(0) != 1) {
            return "n|The simulator answers one choice: set n to 1 or leave it out.";
        }
        return null;
    }

    /** The prompt tokens of a valid request. */
    long count(JsonNode body) {
        long tokens = 3;
        for (JsonNode m : body.path("messages")) {
            tokens += 3 + tokenizer.count(m.path("role").asText()) + content(m.path("content"));
            for (JsonNode call : m.path("tool_calls")) {
                tokens += 3 + tokenizer.count(call.path("function").path("name").asText())
                        + tokenizer.count(call.path("function").path("arguments").asText());
            }
        }
        if (body.path("tools").isArray() && !body.path("tools").isEmpty()) {
            tokens += 10 + tokenizer.count(body.path("tools").toString());
        }
        return tokens;
    }

    private long content(JsonNode content) {
        if (content.isTextual()) {
            return tokenizer.count(content.asText());
        }
        long tokens = 0;
        for (JsonNode part : content) {
            switch (part.path("type").asText()) {
                case "text" -> tokens += tokenizer.count(part.path("text").asText());
                case "image_url" -> tokens += "low".equals(part.path("image_url").path("detail").asText()) ? 85 : 765;
                default -> tokens += tokenizer.count(part.toString());
            }
        }
        return tokens;
    }

    /**
     * The cached prompt tokens: OpenAI caches prompts of at least 1,024 tokens in steps of 128; here the
     * whole conversation before its last message is the prefix, cached once it was seen on the key.
     */
    long cached(String keyId, JsonNode body, long promptTokens) {
        JsonNode messages = body.path("messages");
        if (promptTokens < CACHE_MIN || messages.size() < 2) {
            return 0;
        }
        StringBuilder prefix = new StringBuilder(keyId).append('|').append(body.path("model").asText()).append('|');
        for (int i = 0; i < messages.size() - 1; i++) {
            prefix.append(messages.get(i));
        }
        String whole = prefix + messages.get(messages.size() - 1).toString();
        boolean seen = seenPrefixes.containsKey(prefix.toString());
        if (seenPrefixes.size() > 100_000) {
            seenPrefixes.clear(); // a bounded memory: a long run forgets, as a real cache evicts
        }
        seenPrefixes.put(whole, Boolean.TRUE);
        seenPrefixes.put(prefix.toString(), Boolean.TRUE);
        if (!seen) {
            return 0;
        }
        long last = 3 + content(messages.get(messages.size() - 1).path("content"));
        long cacheable = Math.max(0, promptTokens - last);
        return cacheable < CACHE_MIN ? 0 : cacheable / 128 * 128;
    }
}
