package dev.pacer.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * One logical request of a scenario: when it arrives, how large it is, and what the simulator
 * will generate for it (steered through {@code metadata.user_id}, so every strategy sees the same
 * work).
 *
 * @param id              a number, unique in the scenario
 * @param arrivalSeconds  simulated seconds after the start at which the caller submits it
 * @param inputTokens     the input tokens the simulator will count (within a few tokens)
 * @param maxTokens       {@code max_tokens}
 * @param outputTokens    the tokens the simulator will generate
 * @param interactive     a user is waiting (priority and deadline apply)
 * @param deadlineSeconds for interactive requests, how long after arrival the answer is still useful (0: none)
 * @param instance        which client instance sends it (fleet scenario; 0 otherwise)
 */
public record Job(int id, double arrivalSeconds, int inputTokens, int maxTokens, int outputTokens, boolean interactive,
                  double deadlineSeconds, int instance) {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** The Messages request body for {@code model}. */
    public ObjectNode params(String model) {
        ObjectNode p = JSON.createObjectNode();
        p.put("model", model);
        p.put("max_tokens", maxTokens);
        p.putObject("metadata").put("user_id", "sim:output_tokens=" + outputTokens);
        p.putArray("messages").addObject().put("role", "user").put("content", text(inputTokens));
        return p;
    }

    /**
     * Text the simulator's tokenizer counts as about {@code tokens} tokens: five-letter words,
     * one token each, single spaces free. Varied letters so that no two requests are identical.
     */
    static String text(int tokens) {
        StringBuilder sb = new StringBuilder(tokens * 6);
        long x = 0x9E3779B97F4A7C15L * (tokens + 1);
        for (int i = 0; i < tokens; i++) {
            x = x * 6364136223846793005L + 1442695040888963407L;
            for (int c = 0; c < 5; c++) {
                sb.append((char) ('a' + (int) ((x >>> (8 + c * 5)) & 31) % 26));
            }
            sb.append(' ');
        }
        return sb.toString();
    }

    /** Whether this request missed its deadline, given when it ended (or never ended: NaN). */
    public boolean missed(double endSeconds, boolean succeeded) {
        if (!interactive || deadlineSeconds <= 0) {
            return false;
        }
        return !succeeded || Double.isNaN(endSeconds) || endSeconds > arrivalSeconds + deadlineSeconds;
    }
}
