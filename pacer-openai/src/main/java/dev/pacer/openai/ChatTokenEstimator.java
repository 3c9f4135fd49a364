package dev.pacer.openai;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Estimates the prompt tokens of a Chat Completions request before it is sent, with its own character
 * model (OpenAI's tokenizers are not Anthropic's): Latin text and digits about 4 characters a token,
 * symbols and code 2, other scripts 1 a character, 4 tokens a message and 3 to prime the reply, an image
 * 765 tokens (85 at {@code detail: low}), tool definitions by the length of their JSON. It is calibrated
 * online per model from the {@code prompt_tokens} that answers report ({@link #learn}): a correction
 * factor moved a fifth of the way to each answer's ratio, within 0.3 to 4, so a tokenizer that counts
 * differently is followed within a few calls. Until a model's first answer the factor is 1.15: the
 * server charges the real prompt when the call arrives, so an estimate below it over-admits every call in
 * flight by the difference (one 429 in 40 calls paced at the limit, on a loaded machine, before this and
 * before small prompts were learned from). The requested output needs no estimate: the server charges
 * {@code max_tokens} up front. Thread-safe.
 */
public final class ChatTokenEstimator {

    private static final double STEP = 0.2;
    private static final double UNLEARNED = 1.15;

    private final Map<String, Double> corrections = new ConcurrentHashMap<>();

    private ChatTokenEstimator() {
    }

    /** A new estimator with nothing learned. */
    public static ChatTokenEstimator create() {
        return new ChatTokenEstimator();
    }

    /** The calibrated estimate of {@code request}'s prompt tokens on {@code model}. */
    public long estimate(String model, JsonNode request) {
        return Math.max(1, Math.round(raw(request) * correction(model)));
    }

    /** The character model's count, before calibration. */
    public long raw(JsonNode request) {
        double tokens = 3;
        for (JsonNode m : request.path("messages")) {
            tokens += 4 + text(m.path("role").asText());
            JsonNode content = m.path("content");
            if (content.isTextual()) {
                tokens += text(content.asText());
            } else {
                for (JsonNode part : content) {
                    tokens += "image_url".equals(part.path("type").asText())
                            ? ("low".equals(part.path("image_url").path("detail").asText()) ? 85 : 765)
                            : text(part.path("text").asText(""));
                }
            }
            for (JsonNode call : m.path("tool_calls")) {
                tokens += 3 + text(call.path("function").path("name").asText()) + text(call.path("function").path("arguments").asText());
            }
        }
        if (request.path("tools").isArray() && !request.path("tools").isEmpty()) {
            tokens += 10 + text(request.path("tools").toString());
        }
        return (long) Math.ceil(tokens);
    }

    /** Learns from an answer: {@code raw} was {@link #raw}'s count, {@code promptTokens} the server's. */
    public void learn(String model, long raw, long promptTokens) {
        if (raw <= 0 || promptTokens <= 0) {
            return;
        }
        double ratio = Math.max(0.3, Math.min(4, (double) promptTokens / raw));
        // The first answer replaces the cautious start outright; later ones move the factor a fifth of the way.
        corrections.merge(model, ratio, (old, ignored) -> old + STEP * (ratio - old));
    }

    /** The correction learned for {@code model} ({@value #UNLEARNED} before any answer). */
    public double correction(String model) {
        return corrections.getOrDefault(model, UNLEARNED);
    }

    private static double text(String s) {
        double tokens = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (Character.isLetterOrDigit(c) && c < 0x80 || c == ' ') {
                tokens += 0.25;
            } else if (c < 0x80) {
                tokens += 0.5;
            } else if (Character.isLetter(c) && c < 0x2E80) {
                tokens += 0.5;
            } else {
                tokens += 1;
            }
        }
        return tokens;
    }
}
