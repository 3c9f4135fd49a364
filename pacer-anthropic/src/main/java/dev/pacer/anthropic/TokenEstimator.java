package dev.pacer.anthropic;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Arrays;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Estimates what a request will cost before it is sent, and learns from what requests really
 * cost. There is no public Claude tokenizer, so the input estimate is a character count per
 * content kind (prose, code-like text, non-Latin scripts, tool definitions, images by size),
 * multiplied by a correction learned per model class from settled usage. The output estimate is
 * a high quantile of {@code actual / max_tokens} per model class, learned from settled usage,
 * times this request's {@code max_tokens}: when the provider counts only generated tokens, this
 * keeps quota from being held for tokens that are never produced. Until enough samples exist it
 * reserves {@code max_tokens}. Thread-safe.
 */
public final class TokenEstimator {

    /** How to reserve output tokens. */
    public enum OutputMode {
        /** A learned high quantile of actual output (for providers that count only generated tokens). */
        LEARNED,
        /** Always {@code max_tokens} (for providers that reserve it). */
        MAX_TOKENS
    }

    private static final int SAMPLES = 256;
    private static final int FIRST_SAMPLES = 5;
    private static final int MIN_SAMPLES = 20;

    private final OutputMode outputMode;
    private final double outputQuantile;
    private final ConcurrentHashMap<String, ClassStats> stats = new ConcurrentHashMap<>();

    /**
     * @param outputMode     how output is reserved
     * @param outputQuantile which quantile of actual/max_tokens to reserve, in (0.5, 1] (e.g. 0.95)
     */
    public TokenEstimator(OutputMode outputMode, double outputQuantile) {
        if (!(outputQuantile > 0.5 && outputQuantile <= 1)) {
            throw new IllegalArgumentException("outputQuantile must be in (0.5, 1], not " + outputQuantile + ".");
        }
        this.outputMode = outputMode;
        this.outputQuantile = outputQuantile;
    }

    /** Learned output, the 95th percentile. */
    public static TokenEstimator defaults() {
        return new TokenEstimator(OutputMode.LEARNED, 0.95);
    }

    /**
     * An estimate: input tokens (all of them, cached or not) and output tokens to reserve.
     *
     * @param inputTokens  the input tokens to reserve
     * @param outputTokens the output tokens to reserve
     * @param rawInput     the uncorrected character model's figure (what learning compares with the actual)
     * @param inputCounted whether {@code inputTokens} is the provider's own count ({@code count_tokens}), kept as it is
     */
    public record Estimate(long inputTokens, long outputTokens, long rawInput, boolean inputCounted) {

        /** This estimate with the input the provider counted. */
        public Estimate withCountedInput(long counted) {
            return new Estimate(counted, outputTokens, rawInput, true);
        }
    }

    /** Estimates a Messages request body. */
    public Estimate estimate(String modelClass, JsonNode params) {
        long raw = rawInput(params);
        ClassStats s = stats(modelClass);
        long input = Math.max(1, Math.round(raw * s.inputCorrection()));
        long maxTokens = Math.max(1, params.path("max_tokens").asLong(4096));
        long output = outputMode == OutputMode.MAX_TOKENS ? maxTokens : s.output(maxTokens, outputQuantile);
        return new Estimate(input, output, raw, false);
    }

    /**
     * The same request estimated again with what has been learned since {@code previous} (its
     * character count is kept): a call queued before any output was observed reserves less once
     * the output distribution is known.
     */
    public Estimate refresh(String modelClass, Estimate previous, long maxTokens) {
        ClassStats s = stats(modelClass);
        long input = previous.inputCounted() ? previous.inputTokens() : Math.max(1, Math.round(previous.rawInput() * s.inputCorrection()));
        long max = Math.max(1, maxTokens);
        long output = outputMode == OutputMode.MAX_TOKENS ? max : s.output(max, outputQuantile);
        return new Estimate(input, output, previous.rawInput(), previous.inputCounted());
    }

    /** Learns from a settled call: what was estimated (raw) and what it really was. */
    public void learn(String modelClass, Estimate estimate, long actualInput, long actualOutput, long maxTokens) {
        stats(modelClass).learn(estimate.rawInput(), actualInput, actualOutput, maxTokens);
    }

    /** The mean absolute relative error of recent input estimates for a class (0.1 = 10%), for metrics. */
    public double inputError(String modelClass) {
        return stats(modelClass).error;
    }

    /** The current input correction factor for a class (1 = the raw character model). */
    public double inputCorrection(String modelClass) {
        return stats(modelClass).inputCorrection();
    }

    private ClassStats stats(String modelClass) {
        return stats.computeIfAbsent(modelClass, c -> new ClassStats());
    }

    // ---------------------------------------------------------------- the character model

    /** Tokens by the uncorrected character model: system, messages, tools, images. */
    static long rawInput(JsonNode params) {
        double tokens = 0;
        JsonNode system = params.get("system");
        if (system != null) {
            tokens += 5 + content(system);
        }
        for (JsonNode tool : params.path("tools")) {
            tokens += 12 + text(tool.toString()) * 1.1;
        }
        for (JsonNode message : params.path("messages")) {
            tokens += 4 + content(message.path("content"));
        }
        return Math.max(1, Math.round(tokens));
    }

    private static double content(JsonNode content) {
        if (content.isTextual()) {
            return text(content.asText());
        }
        double t = 0;
        for (JsonNode block : content) {
            String type = block.path("type").asText("");
            switch (type) {
                case "text" -> t += text(block.path("text").asText(""));
                case "image", "document" -> t += image(block);
                case "tool_result" -> t += content(block.path("content"));
                case "tool_use" -> t += text(block.path("input").toString()) + 3;
                default -> t += text(block.toString());
            }
        }
        return t;
    }

    /** Images: the API documents about (width x height) / 750; from the encoded size, about one token per 100 bytes. */
    private static double image(JsonNode block) {
        int bytes = block.path("source").path("data").asText("").length() * 3 / 4;
        return bytes == 0 ? 1_600 : Math.max(85, Math.min(1_600, bytes / 100.0));
    }

    /**
     * Text: about 4.5 characters per token for Latin prose, 2.5 for runs of symbols and digits
     * (code, JSON), 1 per character for CJK and similar scripts.
     */
    static double text(String s) {
        double letters = 0;
        double symbols = 0;
        double wide = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x80) {
                if (Character.isLetter(c) || c == ' ') {
                    letters++;
                } else {
                    symbols++;
                }
            } else if (c >= 0x2E80 || Character.isSurrogate(c)) {
                wide++;
            } else {
                letters += 2; // accented Latin, Cyrillic, Greek: denser than ASCII prose
            }
        }
        return letters / 4.5 + symbols / 2.5 + wide;
    }

    /** What has been learned for one model class. */
    private static final class ClassStats {
        private double logCorrection; // EWMA of log(actual / raw)
        private int inputSamples;
        private double error = Double.NaN;
        private final double[] outputRatios = new double[SAMPLES];
        private int outputSamples;

        synchronized double inputCorrection() {
            // Until there is evidence, over-estimate a little: an under-estimate costs a 429, an over-estimate only waits.
            return inputSamples == 0 ? 1.15 : Math.exp(logCorrection) * (inputSamples < 10 ? 1.1 : 1.02);
        }

        synchronized void learn(long raw, long actualInput, long actualOutput, long maxTokens) {
            if (raw > 0 && actualInput > 0) {
                double predicted = raw * inputCorrection();
                double relError = Math.abs(predicted - actualInput) / actualInput;
                error = Double.isNaN(error) ? relError : 0.9 * error + 0.1 * relError;
                double sample = Math.log((double) actualInput / raw);
                double alpha = inputSamples < 20 ? 1.0 / (inputSamples + 1) : 0.05;
                logCorrection = inputSamples == 0 ? sample : logCorrection + alpha * (sample - logCorrection);
                inputSamples++;
            }
            if (maxTokens > 0) {
                outputRatios[outputSamples % SAMPLES] = Math.min(1, (double) actualOutput / maxTokens);
                outputSamples++;
            }
        }

        /**
         * Nothing seen: {@code max_tokens}. A few samples: the largest share of {@code max_tokens}
         * seen so far, plus a quarter. Enough samples: the quantile.
         */
        synchronized long output(long maxTokens, double quantile) {
            if (outputSamples < FIRST_SAMPLES) {
                return maxTokens;
            }
            int n = Math.min(outputSamples, SAMPLES);
            double q;
            if (outputSamples < MIN_SAMPLES) {
                double largest = 0;
                for (int i = 0; i < n; i++) {
                    largest = Math.max(largest, outputRatios[i]);
                }
                q = Math.min(1, largest * 1.25);
            } else {
                double[] sorted = Arrays.copyOf(outputRatios, n);
                Arrays.sort(sorted);
                q = sorted[Math.min(n - 1, (int) Math.ceil(quantile * n) - 1)];
            }
            return Math.max(1, Math.min(maxTokens, (long) Math.ceil(q * maxTokens)));
        }
    }
}
