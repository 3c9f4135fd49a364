package dev.pacer.sim;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * A validated {@code POST /v1/messages} body and its input token count, as the simulator's
 * tokenizer sees it.
 *
 * @param model          the model id
 * @param maxTokens      max_tokens
 * @param stream         whether to stream
 * @param inputTokens    tokens after the last cache breakpoint
 * @param cacheableTokens tokens up to and including the last block marked {@code cache_control}
 * @param cacheKey       identifies the cacheable prefix (null when none)
 * @param outputHint     an exact output length requested through {@code metadata.user_id} ("sim:output_tokens=N"), or -1
 * @param seed           a hash of the body, for repeatable generation
 */
record MessageParams(String model, int maxTokens, boolean stream, int inputTokens, int cacheableTokens, String cacheKey,
                     int outputHint, long seed) {

    /** Thrown with the API's message for an invalid body. */
    static final class Invalid extends Exception {
        Invalid(String message) {
            super(message, null, false, false);
        }
    }

    /** Validates a Messages body (or a count_tokens body when {@code countOnly}). */
    static MessageParams parse(JsonNode body, boolean countOnly) throws Invalid {
        if (body == null || !body.isObject()) {
            throw new Invalid("The request body is not valid JSON.");
        }
        JsonNode model = body.get("model");
        if (model == null || !model.isTextual() || model.asText().isBlank()) {
            throw new Invalid("model: Field required");
        }
        int maxTokens = 0;
        if (!countOnly) {
            JsonNode max = body.get("max_tokens");
            if (max == null || max.isNull()) {
                throw new Invalid("max_tokens: Field required");
            }
            if (!max.isIntegralNumber()) {
                throw new Invalid("max_tokens: Input should be a valid integer");
            }
            if (max.asLong() < 1) {
                throw new Invalid("max_tokens: Input should be greater than or equal to 1");
            }
            maxTokens = (int) Math.min(Integer.MAX_VALUE, max.asLong());
        }
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
        Counter counter = new Counter();
        JsonNode system = body.get("system");
        if (system != null && !system.isNull()) {
            counter.add(5);
            counter.content(system, "system");
        }
        JsonNode tools = body.get("tools");
        if (tools != null && tools.isArray()) {
            for (JsonNode tool : tools) {
                counter.add(12 + Tokenizer.count(tool.toString()));
                counter.breakpoint(tool);
            }
        }
        int i = 0;
        for (JsonNode message : messages) {
            JsonNode role = message.get("role");
            if (role == null || !role.isTextual()) {
                throw new Invalid("messages." + i + ".role: Field required");
            }
            String r = role.asText();
            if (!r.equals("user") && !r.equals("assistant")) {
                throw new Invalid("messages." + i + ".role: Input should be 'user' or 'assistant'");
            }
            JsonNode content = message.get("content");
            if (content == null || content.isNull()) {
                throw new Invalid("messages." + i + ".content: Field required");
            }
            counter.add(4);
            counter.content(content, "messages." + i + ".content");
            i++;
        }
        boolean stream = body.path("stream").asBoolean(false);
        int hint = -1;
        String userId = body.path("metadata").path("user_id").asText("");
        if (userId.startsWith("sim:output_tokens=")) {
            try {
                hint = Integer.parseInt(userId.substring("sim:output_tokens=".length()).trim());
            } catch (NumberFormatException ignored) {
                hint = -1;
            }
        }
        long seed = body.toString().hashCode() * 0x9E3779B97F4A7C15L;
        int total = Math.max(1, counter.total);
        int cacheable = Math.min(counter.cacheable, total);
        return new MessageParams(model.asText(), maxTokens, stream, total - cacheable, cacheable,
                cacheable > 0 ? Integer.toHexString(counter.prefixHash) + ":" + cacheable : null, hint, seed);
    }

    /** Counts tokens and remembers where the last cache breakpoint was. */
    private static final class Counter {
        int total;
        int cacheable;
        int prefixHash = 17;

        void add(int tokens) {
            total += tokens;
        }

        void breakpoint(JsonNode block) {
            if (block.has("cache_control") && !block.get("cache_control").isNull()) {
                cacheable = total;
            }
        }

        void content(JsonNode content, String where) throws Invalid {
            if (content.isTextual()) {
                addText(content.asText());
                return;
            }
            if (!content.isArray()) {
                throw new Invalid(where + ": Input should be a valid string or list of content blocks");
            }
            int j = 0;
            for (JsonNode block : content) {
                String type = block.path("type").asText("");
                switch (type) {
                    case "text" -> {
                        if (!block.has("text")) {
                            throw new Invalid(where + "." + j + ".text: Field required");
                        }
                        addText(block.get("text").asText());
                    }
                    case "image", "document" -> add(imageTokens(block));
                    case "tool_use" -> addText(block.path("name").asText() + block.path("input").toString());
                    case "tool_result" -> {
                        JsonNode inner = block.get("content");
                        if (inner != null && !inner.isNull()) {
                            content(inner, where + "." + j + ".content");
                        }
                    }
                    case "thinking", "redacted_thinking" -> addText(block.path("thinking").asText(""));
                    case "" -> throw new Invalid(where + "." + j + ".type: Field required");
                    default -> addText(block.toString());
                }
                breakpoint(block);
                j++;
            }
        }

        private void addText(String text) {
            total += Tokenizer.count(text);
            prefixHash = 31 * prefixHash + text.hashCode();
        }

        /** Images: about one token per 750 pixels; from base64 size, about one per 100 bytes (85 minimum, 1,600 maximum). */
        private static int imageTokens(JsonNode block) {
            JsonNode source = block.path("source");
            int bytes = source.path("data").asText("").length() * 3 / 4;
            if (bytes == 0) {
                return 1_000; // an image by URL: typical size
            }
            return Math.max(85, Math.min(1_600, bytes / 100));
        }
    }
}
