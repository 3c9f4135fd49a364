package dev.pacer.sim.internal;

import com.fasterxml.jackson.databind.JsonNode;
import dev.pacer.sim.ModelClass;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * A validated Messages (or count_tokens) body and what it costs, as the simulator's tokenizer sees
 * it. Content is counted in the order the API caches it — tools, system, messages — and every
 * block marked {@code cache_control} leaves a {@link Breakpoint}: the tokens up to it and a hash
 * of that prefix, which is what the prompt cache is keyed on.
 *
 * @param model       the model id as sent
 * @param maxTokens   {@code max_tokens} (0 for count_tokens)
 * @param stream      whether the answer is streamed
 * @param inputTokens every input token: system, messages, tools (what count_tokens returns)
 * @param breakpoints cache breakpoints in order
 * @param outputHint  an output length asked for through {@code metadata.user_id}, or {@link OutputHint#NONE}
 * @param bodyHash    a 64-bit hash of the body: the same request generates the same answer
 */
record MessageRequest(String model, int maxTokens, boolean stream, int inputTokens, List<Breakpoint> breakpoints,
                      OutputHint outputHint, long bodyHash) {

    /** Tokens spent by the tool-use system prompt the API adds when tools are given. */
    static final int TOOL_PROMPT_TOKENS = 290;

    /** A cacheable prefix: its tokens, its content hash, its lifetime in (simulated) seconds. */
    record Breakpoint(int tokens, long prefixHash, double ttlSeconds) {
    }

    /** An invalid body; the message is the API's wording. */
    static final class Invalid extends Exception {
        Invalid(String message) {
            super(message, null, false, false);
        }
    }

    /** Validates a Messages body ({@code countOnly}: a count_tokens body, which has no max_tokens). */
    static MessageRequest parse(JsonNode body, boolean countOnly, Tokenizer tokenizer) throws Invalid {
        if (body == null || !body.isObject()) {
            throw new Invalid("The request body is not valid JSON.");
        }
        String model = requiredText(body, "model");
        int maxTokens = countOnly ? 0 : maxTokens(body);
        JsonNode stream = body.get("stream");
        if (stream != null && !stream.isNull() && !stream.isBoolean()) {
            throw new Invalid("stream: Input should be a valid boolean");
        }
        checkSampling(body);
        dictionary(body, "metadata");
        dictionary(body, "thinking");
        checkThinking(body, maxTokens, countOnly);
        JsonNode messages = body.get("messages");
        if (messages == null || messages.isNull()) {
            throw new Invalid("messages: Field required");
        }
        if (!messages.isArray()) {
            throw new Invalid("messages: Input should be a valid list");
        }
        if (messages.isEmpty()) {
            throw new Invalid("messages: at least one message is required");
        }
        Counter counter = new Counter(tokenizer);
        JsonNode tools = body.get("tools");
        if (tools != null && !tools.isNull()) {
            counter.tools(tools);
        }
        JsonNode system = body.get("system");
        if (system != null && !system.isNull()) {
            counter.add(3);
            counter.content(system, "system", false);
        }
        for (int i = 0; i < messages.size(); i++) {
            JsonNode message = messages.get(i);
            String where = "messages." + i;
            if (!message.isObject()) {
                throw new Invalid(where + ": Input should be a valid dictionary");
            }
            JsonNode role = message.get("role");
            if (role == null || role.isNull()) {
                throw new Invalid(where + ".role: Field required");
            }
            if (!role.isTextual() || !(role.asText().equals("user") || role.asText().equals("assistant"))) {
                throw new Invalid(where + ".role: Input should be 'user' or 'assistant'");
            }
            JsonNode content = message.get("content");
            if (content == null || content.isNull()) {
                throw new Invalid(where + ".content: Field required");
            }
            // Only a final assistant message may be empty: it is a prefill the answer continues.
            boolean empty = content.isTextual() ? content.asText().isEmpty() : content.isArray() && content.isEmpty();
            if (empty && !(i == messages.size() - 1 && role.asText().equals("assistant"))) {
                throw new Invalid(where + ": all messages must have non-empty content except for the optional final assistant message");
            }
            counter.add(4);
            counter.hashText(role.asText());
            counter.content(content, where + ".content", true);
        }
        return new MessageRequest(model, maxTokens, stream != null && stream.asBoolean(false), Math.max(1, counter.total + 1),
                List.copyOf(counter.breakpoints), OutputHint.from(body.path("metadata").path("user_id").asText("")),
                hash64(body.toString()));
    }

    /** The fields of a count_tokens body (the official SDK's {@code MessageCountTokensParams}); any other is refused. */
    private static final Set<String> COUNT_TOKENS_FIELDS = Set.of("model", "messages", "system", "tools", "tool_choice", "thinking",
            "cache_control", "output_config", "speed");

    /** What the beta variant ({@code ?beta=true}) accepts on top. */
    private static final Set<String> COUNT_TOKENS_BETA_FIELDS = Set.of("billing_policy", "compaction", "context_management",
            "mcp_servers", "output_format");

    /**
     * Refuses a field count_tokens does not take, as the API does (not ignoring it): a client that
     * sends a whole Messages body there, {@code max_tokens} and all, must learn it here.
     */
    static void checkCountTokensFields(JsonNode body, boolean beta) throws Invalid {
        for (var names = body.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!COUNT_TOKENS_FIELDS.contains(name) && !(beta && COUNT_TOKENS_BETA_FIELDS.contains(name))) {
                throw new Invalid(name + ": Extra inputs are not permitted");
            }
        }
    }

    /**
     * Refuses a {@code max_tokens} above the model's maximum output, in the API's words. Checked once
     * the model's class is known, after {@link #parse}; count_tokens has no {@code max_tokens} to check.
     */
    void checkMaxOutput(JsonNode body, ModelClass modelClass) throws Invalid {
        if (modelClass.capsOutput() && maxTokens > modelClass.maxOutputTokens()) {
            // The figure as sent: beyond an int, maxTokens holds Integer.MAX_VALUE.
            throw new Invalid("max_tokens: " + body.path("max_tokens").asText() + " > " + modelClass.maxOutputTokens()
                    + ", which is the maximum allowed number of output tokens for " + model);
        }
    }

    private static String requiredText(JsonNode body, String field) throws Invalid {
        JsonNode n = body.get(field);
        if (n == null || n.isNull()) {
            throw new Invalid(field + ": Field required");
        }
        if (!n.isTextual() || n.asText().isBlank()) {
            throw new Invalid(field + ": Input should be a valid string");
        }
        return n.asText();
    }

    private static int maxTokens(JsonNode body) throws Invalid {
        JsonNode max = body.get("max_tokens");
        if (max == null || max.isNull()) {
            throw new Invalid("max_tokens: Field required");
        }
        if (!max.isIntegralNumber()) {
            throw new Invalid("max_tokens: Input should be a valid integer");
        }
        // Beyond 64 bits asLong() wraps (2^64 + 1 reads as 1): decide by the sign of the exact value.
        if (max.canConvertToLong() ? max.asLong() < 1 : max.bigIntegerValue().signum() < 0) {
            throw new Invalid("max_tokens: Input should be greater than or equal to 1");
        }
        if (!max.canConvertToLong()) {
            return Integer.MAX_VALUE;
        }
        return (int) Math.min(Integer.MAX_VALUE, max.asLong());
    }

    /** An optional field that, when given, must be an object. */
    private static void dictionary(JsonNode body, String field) throws Invalid {
        JsonNode n = body.get(field);
        if (n != null && !n.isNull() && !n.isObject()) {
            throw new Invalid(field + ": Input should be a valid dictionary");
        }
    }

    private static void checkSampling(JsonNode body) throws Invalid {
        JsonNode t = body.get("temperature");
        if (t != null && !t.isNull() && (!t.isNumber() || t.asDouble() < 0 || t.asDouble() > 1)) {
            throw new Invalid("temperature: Input should be a number between 0 and 1");
        }
        JsonNode p = body.get("top_p");
        if (p != null && !p.isNull() && (!p.isNumber() || p.asDouble() < 0 || p.asDouble() > 1)) {
            throw new Invalid("top_p: Input should be a number between 0 and 1");
        }
        JsonNode k = body.get("top_k");
        if (k != null && !k.isNull() && (!k.isIntegralNumber() || k.asLong() < 0)) {
            throw new Invalid("top_k: Input should be a non-negative integer");
        }
        JsonNode stops = body.get("stop_sequences");
        if (stops != null && !stops.isNull()) {
            if (!stops.isArray()) {
                throw new Invalid("stop_sequences: Input should be a valid list");
            }
            for (JsonNode s : stops) {
                if (!s.isTextual()) {
                    throw new Invalid("stop_sequences: every item should be a valid string");
                }
            }
        }
        JsonNode tier = body.get("service_tier");
        if (tier != null && !tier.isNull() && !(tier.asText().equals("auto") || tier.asText().equals("standard_only"))) {
            throw new Invalid("service_tier: Input should be 'auto' or 'standard_only'");
        }
    }

    private static void checkThinking(JsonNode body, int maxTokens, boolean countOnly) throws Invalid {
        JsonNode thinking = body.get("thinking");
        if (thinking == null || thinking.isNull() || !thinking.path("type").asText().equals("enabled")) {
            return;
        }
        JsonNode budget = thinking.get("budget_tokens");
        if (budget == null || !budget.isIntegralNumber()) {
            throw new Invalid("thinking.enabled.budget_tokens: Field required");
        }
        if (budget.asLong() < 1024) {
            throw new Invalid("thinking.enabled.budget_tokens: Input should be greater than or equal to 1024");
        }
        if (!countOnly && budget.asLong() >= maxTokens) {
            throw new Invalid("`max_tokens` must be greater than `thinking.budget_tokens`. Please consult our documentation "
                    + "at https://docs.claude.com/en/docs/build-with-claude/extended-thinking#max-tokens-and-context-window-size");
        }
    }

    /** FNV-1a over UTF-8, 64 bits: stable across runs and JVMs (String.hashCode is only 32 bits). */
    static long hash64(String text) {
        long h = 0xcbf29ce484222325L;
        for (byte b : text.getBytes(StandardCharsets.UTF_8)) {
            h = (h ^ (b & 0xff)) * 0x100000001B3L;
        }
        return h;
    }

    /** Adds up tokens in cache order and remembers each breakpoint. */
    private static final class Counter {
        private final Tokenizer tokenizer;
        int total;
        long prefixHash = 0xcbf29ce484222325L;
        final List<Breakpoint> breakpoints = new ArrayList<>();

        Counter(Tokenizer tokenizer) {
            this.tokenizer = tokenizer;
        }

        void add(int tokens) {
            total += tokens;
        }

        void hashText(String text) {
            prefixHash = (prefixHash ^ hash64(text)) * 0x100000001B3L;
        }

        void text(String text) {
            total += tokenizer.count(text);
            hashText(text);
        }

        void mark(JsonNode block) {
            JsonNode cc = block.get("cache_control");
            if (cc != null && cc.isObject()) {
                double ttl = cc.path("ttl").asText("5m").equals("1h") ? PromptCache.ONE_HOUR_SECONDS : 300;
                breakpoints.add(new Breakpoint(total, prefixHash, ttl));
            }
        }

        void tools(JsonNode tools) throws Invalid {
            if (!tools.isArray()) {
                throw new Invalid("tools: Input should be a valid list");
            }
            if (!tools.isEmpty()) {
                add(TOOL_PROMPT_TOKENS);
            }
            for (int i = 0; i < tools.size(); i++) {
                JsonNode tool = tools.get(i);
                if (!tool.path("name").isTextual()) {
                    throw new Invalid("tools." + i + ".name: Field required");
                }
                add(8);
                text(tool.path("name").asText() + " " + tool.path("description").asText("") + " "
                        + tool.path("input_schema").toString());
                mark(tool);
            }
        }

        void content(JsonNode content, String where, boolean blocksAllowed) throws Invalid {
            if (content.isTextual()) {
                text(content.asText());
                return;
            }
            if (!content.isArray()) {
                throw new Invalid(where + ": Input should be a valid string or a list of content blocks");
            }
            for (int j = 0; j < content.size(); j++) {
                block(content.get(j), where + "." + j, blocksAllowed);
            }
        }

        private void block(JsonNode block, String where, boolean blocksAllowed) throws Invalid {
            String type = block.path("type").asText("");
            if (type.isEmpty()) {
                throw new Invalid(where + ".type: Field required");
            }
            if (!blocksAllowed && !type.equals("text")) {
                throw new Invalid(where + ".type: Input should be 'text'");
            }
            switch (type) {
                case "text" -> {
                    if (!block.path("text").isTextual()) {
                        throw new Invalid(where + ".text: Field required");
                    }
                    text(block.get("text").asText());
                }
                case "image" -> image(block.path("source"), where);
                case "document" -> document(block.path("source"));
                case "tool_use", "server_tool_use" -> text(block.path("name").asText("") + " " + block.path("input").toString());
                case "tool_result" -> {
                    add(3);
                    JsonNode inner = block.get("content");
                    if (inner != null && !inner.isNull()) {
                        content(inner, where + ".content", true);
                    }
                }
                case "thinking" -> text(block.path("thinking").asText(""));
                case "redacted_thinking" -> text(block.path("data").asText(""));
                default -> text(block.toString());
            }
            mark(block);
        }

        private void image(JsonNode source, String where) throws Invalid {
            switch (source.path("type").asText("")) {
                case "base64" -> {
                    String data = source.path("data").asText("");
                    add(ImageTokens.ofBase64(data));
                    hashText(data);
                }
                case "url" -> {
                    add(ImageTokens.BY_URL);
                    hashText(source.path("url").asText(""));
                }
                case "file" -> {
                    add(ImageTokens.BY_URL);
                    hashText(source.path("file_id").asText(""));
                }
                default -> throw new Invalid(where + ".source: Input should be a base64, url or file image source");
            }
        }

        private void document(JsonNode source) {
            if (source.path("type").asText("").equals("text")) {
                text(source.path("data").asText(""));
                return;
            }
            // A PDF or other binary document: about a token per 100 bytes of base64, the size of a page of text.
            String data = source.path("data").asText(source.toString());
            add(Math.max(100, data.length() / 100));
            hashText(data);
        }
    }
}
