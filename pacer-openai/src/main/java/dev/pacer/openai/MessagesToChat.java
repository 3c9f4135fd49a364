package dev.pacer.openai;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Iterator;
import java.util.Set;

/**
 * An Anthropic Messages request as a Chat Completions request, faithfully or not at all: every field
 * and content block either has an exact counterpart or the translation is refused with one sentence
 * saying what cannot be carried over (extended thinking, documents and PDFs, citations, server tools,
 * a one-hour cache, {@code top_k}, a failed tool result, ...). The rules, field by field, are the table
 * in {@code docs/openai-translation.md}; {@link ChatToMessages} and {@link ChatStreamTranslation} are
 * the way back. Stateless and thread-safe.
 */
public final class MessagesToChat {

    /** The translated request, or the reason there is none. */
    public record Translation(ObjectNode body, String refusal) {

        /** True when the request was translated. */
        public boolean translated() {
            return body != null;
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Set<String> FIELDS = Set.of("model", "messages", "system", "max_tokens", "stop_sequences", "temperature", "top_p",
            "metadata", "stream", "tools", "tool_choice", "thinking", "top_k", "service_tier");
    private static final Set<String> IMAGE_TYPES = Set.of("image/jpeg", "image/png", "image/gif", "image/webp");

    private MessagesToChat() {
    }

    /** {@code params} for {@code model}; streaming when {@code params.stream} is true (then with usage in the last chunk). */
    public static Translation translate(JsonNode params, String model) {
        try {
            return new Translation(body(params, model), null);
        } catch (Refused r) {
            return new Translation(null, r.getMessage());
        }
    }

    private static ObjectNode body(JsonNode p, String model) {
        for (Iterator<String> it = p.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (!FIELDS.contains(f)) {
                throw new Refused("the request field '" + f + "' has no Chat Completions counterpart");
            }
        }
        if (p.has("thinking") && !"disabled".equals(p.path("thinking").path("type").asText())) {
            throw new Refused("extended thinking has no Chat Completions counterpart");
        }
        if (p.has("top_k")) {
            throw new Refused("top_k has no Chat Completions counterpart");
        }
        if (p.has("service_tier") && !"auto".equals(p.path("service_tier").asText())) {
            throw new Refused("service_tier '" + p.path("service_tier").asText() + "' is Anthropic's own");
        }
        ObjectNode out = JSON.createObjectNode();
        out.put("model", model);
        ArrayNode messages = out.putArray("messages");
        if (p.has("system")) {
            system(p.get("system"), messages);
        }
        JsonNode in = p.path("messages");
        if (!in.isArray() || in.isEmpty()) {
            throw new Refused("the request has no messages");
        }
        for (int i = 0; i < in.size(); i++) {
            message(in.get(i), "messages[" + i + "]", messages);
        }
        if (!p.path("max_tokens").canConvertToLong() || p.path("max_tokens").asLong() < 1) {
            throw new Refused("max_tokens must be a positive number");
        }
        out.put("max_tokens", p.path("max_tokens").asLong());
        if (p.has("stop_sequences")) {
            JsonNode stops = p.get("stop_sequences");
            if (stops.size() > 4) {
                throw new Refused("Chat Completions takes at most 4 stop sequences, the request has " + stops.size());
            }
            if (!stops.isEmpty()) {
                out.set("stop", stops.deepCopy());
            }
        }
        if (p.has("temperature")) {
            out.set("temperature", p.get("temperature"));
        }
        if (p.has("top_p")) {
            out.set("top_p", p.get("top_p"));
        }
        JsonNode metadata = p.path("metadata");
        for (Iterator<String> it = metadata.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (!f.equals("user_id")) {
                throw new Refused("metadata." + f + " has no Chat Completions counterpart");
            }
        }
        if (metadata.path("user_id").isTextual()) {
            out.put("user", metadata.path("user_id").asText());
        }
        if (p.has("tools") && !p.path("tools").isEmpty()) {
            tools(p.get("tools"), out.putArray("tools"));
        }
        if (p.has("tool_choice")) {
            toolChoice(p.get("tool_choice"), out, p.has("tools") && !p.path("tools").isEmpty());
        }
        if (p.path("stream").asBoolean(false)) {
            out.put("stream", true);
            out.putObject("stream_options").put("include_usage", true);
        }
        return out;
    }

    private static void system(JsonNode system, ArrayNode messages) {
        if (system.isTextual()) {
            if (!system.asText().isEmpty()) {
                messages.addObject().put("role", "system").put("content", system.asText());
            }
            return;
        }
        ArrayNode parts = JSON.createArrayNode();
        for (JsonNode block : system) {
            if (!"text".equals(block.path("type").asText())) {
                throw new Refused("a system block of type '" + block.path("type").asText() + "' has no Chat Completions counterpart");
            }
            plainText(block, "system");
            parts.addObject().put("type", "text").put("text", block.path("text").asText());
        }
        if (!parts.isEmpty()) {
            messages.addObject().put("role", "system").set("content", parts.size() == 1 ? parts.get(0).get("text") : parts);
        }
    }

    private static void message(JsonNode m, String at, ArrayNode out) {
        String role = m.path("role").asText();
        JsonNode content = m.path("content");
        if (!role.equals("user") && !role.equals("assistant")) {
            throw new Refused(at + " has the role '" + role + "'; only user and assistant translate");
        }
        if (content.isTextual()) {
            out.addObject().put("role", role).put("content", content.asText());
            return;
        }
        if (!content.isArray()) {
            throw new Refused(at + ".content is neither text nor a list of blocks");
        }
        if (role.equals("assistant")) {
            assistant(content, at, out);
        } else {
            user(content, at, out);
        }
    }

    private static void assistant(JsonNode blocks, String at, ArrayNode out) {
        ArrayNode parts = JSON.createArrayNode();
        ArrayNode calls = JSON.createArrayNode();
        for (JsonNode b : blocks) {
            switch (b.path("type").asText()) {
                case "text" -> {
                    plainText(b, at);
                    parts.addObject().put("type", "text").put("text", b.path("text").asText());
                }
                case "tool_use" -> {
                    noCache(b, at);
                    ObjectNode call = calls.addObject();
                    call.put("id", b.path("id").asText()).put("type", "function");
                    call.putObject("function").put("name", b.path("name").asText()).put("arguments", b.path("input").toString());
                }
                case "thinking", "redacted_thinking" -> throw new Refused(at + " holds a thinking block; extended thinking has no Chat"
                        + " Completions counterpart");
                default -> throw new Refused(at + " holds a '" + b.path("type").asText() + "' block, which has no Chat Completions counterpart");
            }
        }
        ObjectNode msg = out.addObject().put("role", "assistant");
        if (parts.isEmpty()) {
            msg.putNull("content");
        } else {
            msg.set("content", parts.size() == 1 ? parts.get(0).get("text") : parts);
        }
        if (!calls.isEmpty()) {
            msg.set("tool_calls", calls);
        }
    }

    private static void user(JsonNode blocks, String at, ArrayNode out) {
        ArrayNode parts = JSON.createArrayNode();
        for (JsonNode b : blocks) {
            switch (b.path("type").asText()) {
                case "tool_result" -> {
                    if (!parts.isEmpty()) {
                        throw new Refused(at + " has content before a tool_result; Chat Completions answers tool calls first");
                    }
                    noCache(b, at);
                    if (b.path("is_error").asBoolean(false)) {
                        throw new Refused(at + " holds a tool_result with is_error, which Chat Completions cannot mark");
                    }
                    out.addObject().put("role", "tool").put("tool_call_id", b.path("tool_use_id").asText())
                            .put("content", toolText(b.path("content"), at));
                }
                case "text" -> {
                    plainText(b, at);
                    parts.addObject().put("type", "text").put("text", b.path("text").asText());
                }
                case "image" -> {
                    noCache(b, at);
                    parts.addObject().put("type", "image_url").putObject("image_url").put("url", imageUrl(b.path("source"), at));
                }
                case "document" -> throw new Refused(at + " holds a document (PDF or text source), which Chat Completions cannot take");
                default -> throw new Refused(at + " holds a '" + b.path("type").asText() + "' block, which has no Chat Completions counterpart");
            }
        }
        if (!parts.isEmpty()) {
            boolean allText = true;
            for (JsonNode part : parts) {
                allText &= part.path("type").asText().equals("text");
            }
            out.addObject().put("role", "user").set("content", allText && parts.size() == 1 ? parts.get(0).get("text") : parts);
        }
    }

    private static String toolText(JsonNode content, String at) {
        if (content.isTextual() || content.isMissingNode() || content.isNull()) {
            return content.asText("");
        }
        StringBuilder sb = new StringBuilder();
        for (JsonNode b : content) {
            if (!"text".equals(b.path("type").asText())) {
                throw new Refused(at + " holds a tool_result with a '" + b.path("type").asText() + "' block; a Chat Completions tool"
                        + " message holds text only");
            }
            plainText(b, at);
            sb.append(b.path("text").asText());
        }
        return sb.toString();
    }

    private static String imageUrl(JsonNode source, String at) {
        switch (source.path("type").asText()) {
            case "base64" -> {
                String media = source.path("media_type").asText();
                if (!IMAGE_TYPES.contains(media)) {
                    throw new Refused(at + " holds an image of type '" + media + "'; use jpeg, png, gif or webp");
                }
                return "data:" + media + ";base64," + source.path("data").asText();
            }
            case "url" -> {
                return source.path("url").asText();
            }
            default -> throw new Refused(at + " holds an image from a '" + source.path("type").asText() + "' source, which only Anthropic"
                    + " can read");
        }
    }

    private static void tools(JsonNode tools, ArrayNode out) {
        for (JsonNode t : tools) {
            if (t.has("type") && !"custom".equals(t.path("type").asText())) {
                throw new Refused("the server tool '" + t.path("type").asText() + "' runs only on Anthropic's servers");
            }
            noCache(t, "tools");
            ObjectNode fn = out.addObject().put("type", "function").putObject("function");
            fn.put("name", t.path("name").asText());
            if (t.has("description")) {
                fn.put("description", t.path("description").asText());
            }
            fn.set("parameters", t.path("input_schema").deepCopy());
        }
    }

    private static void toolChoice(JsonNode choice, ObjectNode out, boolean hasTools) {
        String type = choice.path("type").asText();
        switch (type) {
            case "auto" -> out.put("tool_choice", "auto");
            case "any" -> out.put("tool_choice", "required");
            case "none" -> out.put("tool_choice", "none");
            case "tool" -> out.putObject("tool_choice").put("type", "function").putObject("function")
                    .put("name", choice.path("name").asText());
            default -> throw new Refused("tool_choice of type '" + type + "' has no Chat Completions counterpart");
        }
        if (choice.path("disable_parallel_tool_use").asBoolean(false) && hasTools) {
            out.put("parallel_tool_calls", false);
        }
    }

    /** A text block: citations and a cache longer than OpenAI's automatic one cannot be carried over. */
    private static void plainText(JsonNode block, String at) {
        if (block.has("citations") && !block.path("citations").isNull() && !block.path("citations").isEmpty()) {
            throw new Refused(at + " holds a text block with citations, which Chat Completions cannot carry");
        }
        noCache(block, at);
    }

    /**
     * {@code cache_control}: the default five-minute cache is dropped, since OpenAI caches every prompt
     * prefix of 1,024 tokens or more by itself, with no write premium and cheaper reads; a one-hour cache is
     * a paid promise OpenAI's cache does not make, so it is refused.
     */
    private static void noCache(JsonNode block, String at) {
        JsonNode cache = block.path("cache_control");
        if (cache.isMissingNode() || cache.isNull()) {
            return;
        }
        String ttl = cache.path("ttl").asText("5m");
        if (!"ephemeral".equals(cache.path("type").asText()) || !ttl.equals("5m")) {
            throw new Refused(at + " asks for a cache of " + ttl + ", which OpenAI's automatic prompt cache does not promise");
        }
    }

    /** The sentence of a refused translation. */
    private static final class Refused extends RuntimeException {
        Refused(String message) {
            super(message, null, false, false);
        }
    }
}
