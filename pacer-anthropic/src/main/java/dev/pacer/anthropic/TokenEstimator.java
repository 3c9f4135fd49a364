package dev.pacer.anthropic;

import com.fasterxml.jackson.databind.JsonNode;
import dev.pacer.anthropic.internal.CharacterModel;
import dev.pacer.anthropic.internal.KindCorrections;
import dev.pacer.anthropic.internal.OutputQuantile;
import java.util.Collections;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Estimates what a request will cost before it is sent, and learns from what requests really
 * cost. Three collaborators, each with its share of the job:
 * <ul>
 *   <li>the {@link CharacterModel}: the input as a character count per {@link ContentKind} (prose,
 *       code-like text, wide scripts, tool definitions, images, PDFs by their pages, framing);</li>
 *   <li>{@link KindCorrections}, per model class: each kind's figure times a correction learned from
 *       settled usage, so prose and code are both right where one factor would miss both;</li>
 *   <li>{@link OutputQuantile}, per model class: the output as a high quantile of
 *       {@code actual / max_tokens} learned from settled usage, times this request's {@code max_tokens}
 *       ({@link OutputMode#LEARNED}; {@link OutputMode#MAX_TOKENS} for providers that reserve it).</li>
 * </ul>
 * Thread-safe.
 */
public final class TokenEstimator {

    /** How to reserve output tokens. */
    public enum OutputMode {
        /** A learned high quantile of actual output (for providers that count only generated tokens). */
        LEARNED,
        /** Always {@code max_tokens} (for providers that reserve it). */
        MAX_TOKENS
    }

    /** What part of a request a run of characters belongs to; each kind is calibrated separately. */
    public enum ContentKind {
        /** Latin-script prose (letters and spaces). */
        PROSE,
        /** Digits, punctuation and symbols: code, JSON, tables. */
        CODE,
        /** CJK and other scripts the tokenizer spends about one token per character on. */
        WIDE,
        /** Tool definitions ({@code tools}). */
        TOOLS,
        /** Images (and documents that are neither text nor a PDF given inline), estimated by size. */
        MEDIA,
        /** PDF documents, by their pages: each page is read as an image and as its text. */
        DOCUMENT,
        /** The fixed tokens around the system prompt, each message and each tool. */
        FRAMING
    }

    private final OutputMode outputMode;
    private final double outputQuantile;
    private final ConcurrentHashMap<String, Learned> learned = new ConcurrentHashMap<>();

    /**
     * @param outputMode     how output is reserved
     * @param outputQuantile which quantile of actual/max_tokens to reserve, in (0.5, 1] (e.g. 0.95)
     */
    public TokenEstimator(OutputMode outputMode, double outputQuantile) {
        if (!(outputQuantile > 0.5 && outputQuantile <= 1)) {
            throw new IllegalArgumentException("outputQuantile must be in (0.5, 1], not " + outputQuantile + ".");
        }
        this.outputMode = java.util.Objects.requireNonNull(outputMode, "outputMode");
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
     * @param rawByKind    the uncorrected figure per {@link ContentKind} (by ordinal), or null for "all prose"
     */
    public record Estimate(long inputTokens, long outputTokens, long rawInput, boolean inputCounted, double[] rawByKind) {

        /** An estimate without its composition (learning then treats it as prose). */
        public Estimate(long inputTokens, long outputTokens, long rawInput, boolean inputCounted) {
            this(inputTokens, outputTokens, rawInput, inputCounted, null);
        }

        /** This estimate with the input the provider counted. */
        public Estimate withCountedInput(long counted) {
            return new Estimate(counted, outputTokens, rawInput, true, rawByKind);
        }

        double[] composition() {
            if (rawByKind != null) {
                return rawByKind;
            }
            double[] k = new double[CharacterModel.KINDS];
            k[ContentKind.PROSE.ordinal()] = rawInput;
            return k;
        }
    }

    /** Estimates a Messages request body. */
    public Estimate estimate(String modelClass, JsonNode params) {
        double[] kinds = CharacterModel.rawByKind(params);
        Learned l = learned(modelClass);
        long input = Math.max(1, Math.round(l.input.predict(kinds)));
        return new Estimate(input, output(l, params.path("max_tokens").asLong(4096)), CharacterModel.total(kinds), false, kinds);
    }

    /**
     * The same request estimated again with what has been learned since {@code previous} (its
     * character counts are kept): a call queued before any output was observed reserves less once
     * the output distribution is known.
     */
    public Estimate refresh(String modelClass, Estimate previous, long maxTokens) {
        Learned l = learned(modelClass);
        long input = previous.inputCounted() ? previous.inputTokens() : Math.max(1, Math.round(l.input.predict(previous.composition())));
        return new Estimate(input, output(l, maxTokens), previous.rawInput(), previous.inputCounted(), previous.rawByKind());
    }

    private long output(Learned l, long maxTokens) {
        long max = Math.max(1, maxTokens);
        return outputMode == OutputMode.MAX_TOKENS ? max : l.output.output(max, outputQuantile);
    }

    /** Learns from a settled call: what was estimated (raw) and what it really was. */
    public void learn(String modelClass, Estimate estimate, long actualInput, long actualOutput, long maxTokens) {
        Learned l = learned(modelClass);
        l.input.learn(estimate.composition(), actualInput);
        l.output.learn(actualOutput, maxTokens);
    }

    /** The mean absolute relative error of recent input estimates for a class (0.1 = 10%), for metrics. */
    public double inputError(String modelClass) {
        return learned(modelClass).input.error();
    }

    /** The current input correction factor for a class's prose (1 = the raw character model). */
    public double inputCorrection(String modelClass) {
        return inputCorrection(modelClass, ContentKind.PROSE);
    }

    /** The current input correction factor for one kind of content of a class, its safety margin included. */
    public double inputCorrection(String modelClass, ContentKind kind) {
        return learned(modelClass).input.correction(kind.ordinal());
    }

    /** The model classes something has been estimated or learned for (to publish {@link #inputError} per class). */
    public Set<String> modelClasses() {
        return Collections.unmodifiableSet(learned.keySet());
    }

    private Learned learned(String modelClass) {
        return learned.computeIfAbsent(modelClass, c -> new Learned(new KindCorrections(), new OutputQuantile()));
    }

    /** What has been learned for one model class. */
    private record Learned(KindCorrections input, OutputQuantile output) {
    }
}
