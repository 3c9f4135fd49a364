package dev.pacer.anthropic;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;
import java.util.concurrent.ConcurrentHashMap;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * Estimates what a request will cost before it is sent, and learns from what requests really
 * cost. There is no public Claude tokenizer, so the input estimate is a character count per
 * {@link ContentKind} (prose, code-like text, wide scripts, tool definitions, images, PDFs by their
 * pages, message framing), each multiplied by a correction learned per model class and per kind from
 * settled usage: a tokenizer that is generous with code and stingy with prose is learned as such,
 * where one factor per class would settle on their average and be wrong for both. The output
 * estimate is a high quantile of {@code actual / max_tokens} per model class, learned from settled
 * usage, times this request's {@code max_tokens}: when the provider counts only generated tokens,
 * this keeps quota from being held for tokens that are never produced. Until enough samples exist it
 * reserves {@code max_tokens}. Thread-safe.
 *
 * <p>Learning (per class): the log error {@code ln(actual / predicted)} of a settled call is shared
 * among the kinds the request contained, in proportion to each kind's part of the prediction, with
 * a step of {@code 1/(n+1)} for a kind's first samples and 0.05 after 20 (so the first answers move
 * it fast, later ones smooth it). A single error is clipped to a factor of 4, so one broken answer
 * cannot make every later estimate absurd.
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

    private static final int KINDS = ContentKind.values().length;
    private static final double MAX_LOG_ERROR = Math.log(4);
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
            double[] k = new double[KINDS];
            k[ContentKind.PROSE.ordinal()] = rawInput;
            return k;
        }
    }

    /** Estimates a Messages request body. */
    public Estimate estimate(String modelClass, JsonNode params) {
        double[] kinds = rawByKind(params);
        long raw = total(kinds);
        ClassStats s = stats(modelClass);
        long input = Math.max(1, Math.round(s.predict(kinds)));
        long maxTokens = Math.max(1, params.path("max_tokens").asLong(4096));
        long output = outputMode == OutputMode.MAX_TOKENS ? maxTokens : s.output(maxTokens, outputQuantile);
        return new Estimate(input, output, raw, false, kinds);
    }

    /**
     * The same request estimated again with what has been learned since {@code previous} (its
     * character counts are kept): a call queued before any output was observed reserves less once
     * the output distribution is known.
     */
    public Estimate refresh(String modelClass, Estimate previous, long maxTokens) {
        ClassStats s = stats(modelClass);
        long input = previous.inputCounted() ? previous.inputTokens() : Math.max(1, Math.round(s.predict(previous.composition())));
        long max = Math.max(1, maxTokens);
        long output = outputMode == OutputMode.MAX_TOKENS ? max : s.output(max, outputQuantile);
        return new Estimate(input, output, previous.rawInput(), previous.inputCounted(), previous.rawByKind());
    }

    /** Learns from a settled call: what was estimated (raw) and what it really was. */
    public void learn(String modelClass, Estimate estimate, long actualInput, long actualOutput, long maxTokens) {
        stats(modelClass).learn(estimate.composition(), actualInput, actualOutput, maxTokens);
    }

    /** The mean absolute relative error of recent input estimates for a class (0.1 = 10%), for metrics. */
    public double inputError(String modelClass) {
        return stats(modelClass).error;
    }

    /** The current input correction factor for a class's prose (1 = the raw character model). */
    public double inputCorrection(String modelClass) {
        return inputCorrection(modelClass, ContentKind.PROSE);
    }

    /** The current input correction factor for one kind of content of a class, its safety margin included. */
    public double inputCorrection(String modelClass, ContentKind kind) {
        return stats(modelClass).correction(kind.ordinal());
    }

    /** The model classes something has been estimated or learned for (to publish {@link #inputError} per class). */
    public java.util.Set<String> modelClasses() {
        return java.util.Collections.unmodifiableSet(stats.keySet());
    }

    private ClassStats stats(String modelClass) {
        return stats.computeIfAbsent(modelClass, c -> new ClassStats());
    }

    // ---------------------------------------------------------------- the character model

    /** Tokens by the uncorrected character model: system, messages, tools, images. */
    static long rawInput(JsonNode params) {
        return total(rawByKind(params));
    }

    /** Tokens by the uncorrected character model, per {@link ContentKind} (by ordinal). */
    static double[] rawByKind(JsonNode params) {
        double[] k = new double[KINDS];
        JsonNode system = params.get("system");
        if (system != null) {
            k[ContentKind.FRAMING.ordinal()] += 5;
            content(system, k);
        }
        for (JsonNode tool : params.path("tools")) {
            k[ContentKind.FRAMING.ordinal()] += 12;
            double[] t = new double[KINDS];
            text(tool.toString(), t);
            k[ContentKind.TOOLS.ordinal()] += total(t) * 1.1;
        }
        for (JsonNode message : params.path("messages")) {
            k[ContentKind.FRAMING.ordinal()] += 4;
            content(message.path("content"), k);
        }
        return k;
    }

    private static long total(double[] kinds) {
        double t = 0;
        for (double v : kinds) {
            t += v;
        }
        return Math.max(1, Math.round(t));
    }

    private static void content(JsonNode content, double[] k) {
        if (content.isTextual()) {
            text(content.asText(), k);
            return;
        }
        for (JsonNode block : content) {
            String type = block.path("type").asText("");
            switch (type) {
                case "text" -> text(block.path("text").asText(""), k);
                case "image" -> k[ContentKind.MEDIA.ordinal()] += image(block);
                case "document" -> document(block, k);
                case "tool_result" -> content(block.path("content"), k);
                case "tool_use" -> {
                    text(block.path("input").toString(), k);
                    k[ContentKind.FRAMING.ordinal()] += 3;
                }
                default -> text(block.toString(), k);
            }
        }
    }

    /**
     * Documents: a plain-text or content-block source is text like any other (a 100 KB text file is
     * some 20,000 tokens, not an image's 1,600); an inline PDF is counted by its pages
     * ({@link #pdfPages}); a URL or file reference, whose size is unknown here, like an image. The
     * title and context the block gives the model are text.
     */
    private static void document(JsonNode block, double[] k) {
        JsonNode source = block.path("source");
        switch (source.path("type").asText("")) {
            case "text" -> text(source.path("data").asText(""), k);
            case "content" -> content(source.path("content"), k);
            case "base64" -> {
                if ("application/pdf".equals(source.path("media_type").asText(""))) {
                    k[ContentKind.DOCUMENT.ordinal()] += pdf(source.path("data").asText(""));
                } else {
                    k[ContentKind.MEDIA.ordinal()] += image(block);
                }
            }
            default -> k[ContentKind.MEDIA.ordinal()] += image(block);
        }
        text(block.path("title").asText(""), k);
        text(block.path("context").asText(""), k);
    }

    /**
     * The tokens of one PDF page before calibration. The API reads each page twice, as an image and
     * as its extracted text (the PDF-support docs: 1,500 to 3,000 text tokens a page by density,
     * plus the page image); this is the low end of the text alone, and the DOCUMENT kind's learned
     * correction takes it to what a workload's PDFs really cost.
     */
    static final double PDF_TOKENS_PER_PAGE = 1_500;

    /** When no page object can be found (a broken file): about a page per 100 KB, at least one. */
    private static final int PDF_BYTES_PER_UNFOUND_PAGE = 100_000;

    private static double pdf(String base64) {
        byte[] bytes;
        try {
            bytes = Base64.getMimeDecoder().decode(base64);
        } catch (IllegalArgumentException notBase64) {
            return PDF_TOKENS_PER_PAGE; // the API will refuse it; a page is as good a guess as any
        }
        int pages = pdfPages(bytes);
        if (pages == 0) {
            pages = Math.max(1, bytes.length / PDF_BYTES_PER_UNFOUND_PAGE);
        }
        return pages * PDF_TOKENS_PER_PAGE;
    }

    /**
     * The pages of a PDF: its page objects, {@code /Type /Page} (whitespace optional, and not
     * {@code /Pages}, the page tree, nor {@code /PageLabel}). A PDF 1.5 file may keep them inside
     * compressed object streams ({@code /Type /ObjStm}); when none is found in the clear, those
     * streams are inflated and counted too.
     */
    static int pdfPages(byte[] pdf) {
        int pages = countPageObjects(pdf, pdf.length);
        if (pages > 0) {
            return pages;
        }
        long inflated = 0;
        for (int at = indexOf(pdf, OBJECT_STREAM, 0); at >= 0 && inflated < MAX_INFLATED_TOTAL;
             at = indexOf(pdf, OBJECT_STREAM, at + 1)) {
            int stream = indexOf(pdf, STREAM, at);
            if (stream < 0) {
                break;
            }
            int start = stream + STREAM.length;
            if (start < pdf.length && pdf[start] == '\r') {
                start++;
            }
            if (start < pdf.length && pdf[start] == '\n') {
                start++;
            }
            byte[] objects = inflate(pdf, start);
            inflated += objects.length;
            pages += countPageObjects(objects, -1);
        }
        return pages;
    }

    private static final byte[] TYPE = "/Type".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] PAGE = "/Page".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] OBJECT_STREAM = "/ObjStm".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] STREAM = "stream".getBytes(StandardCharsets.US_ASCII);
    /** The most inflated per object stream: page objects are small, and a hostile stream must not blow up memory. */
    private static final int MAX_INFLATED = 8 << 20;
    /** The most inflated per PDF, all its object streams together. */
    private static final long MAX_INFLATED_TOTAL = 64 << 20;

    /** {@code /Type /Page} occurrences in {@code data[0, length)} ({@code length} -1: all of it). */
    private static int countPageObjects(byte[] data, int length) {
        int end = length < 0 ? data.length : length;
        int count = 0;
        for (int at = indexOf(data, TYPE, 0); at >= 0 && at < end; at = indexOf(data, TYPE, at + TYPE.length)) {
            int i = at + TYPE.length;
            while (i < end && isPdfWhitespace(data[i])) {
                i++;
            }
            if (i + PAGE.length <= end && regionMatches(data, i, PAGE) && (i + PAGE.length == end || isPdfDelimiter(data[i + PAGE.length]))) {
                count++;
            }
        }
        return count;
    }

    private static byte[] inflate(byte[] data, int from) {
        Inflater inflater = new Inflater();
        try {
            inflater.setInput(data, from, data.length - from);
            java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
            byte[] buf = new byte[8192];
            while (!inflater.finished() && out.size() < MAX_INFLATED) {
                int n = inflater.inflate(buf);
                if (n == 0 && (inflater.needsInput() || inflater.needsDictionary())) {
                    break;
                }
                out.write(buf, 0, n);
            }
            return out.toByteArray();
        } catch (DataFormatException notFlate) {
            return new byte[0];
        } finally {
            inflater.end();
        }
    }

    private static boolean isPdfWhitespace(byte b) {
        return b == ' ' || b == '\n' || b == '\r' || b == '\t' || b == '\f' || b == 0;
    }

    private static boolean isPdfDelimiter(byte b) {
        return isPdfWhitespace(b) || b == '/' || b == '>' || b == '<' || b == '[' || b == ']' || b == '(' || b == ')' || b == '{'
                || b == '}' || b == '%';
    }

    private static int indexOf(byte[] data, byte[] what, int from) {
        for (int i = Math.max(0, from); i + what.length <= data.length; i++) {
            if (regionMatches(data, i, what)) {
                return i;
            }
        }
        return -1;
    }

    private static boolean regionMatches(byte[] data, int at, byte[] what) {
        for (int j = 0; j < what.length; j++) {
            if (data[at + j] != what[j]) {
                return false;
            }
        }
        return true;
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
        double[] k = new double[KINDS];
        text(s, k);
        return k[ContentKind.PROSE.ordinal()] + k[ContentKind.CODE.ordinal()] + k[ContentKind.WIDE.ordinal()];
    }

    private static void text(String s, double[] k) {
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
        k[ContentKind.PROSE.ordinal()] += letters / 4.5;
        k[ContentKind.CODE.ordinal()] += symbols / 2.5;
        k[ContentKind.WIDE.ordinal()] += wide;
    }

    /** What has been learned for one model class. */
    private static final class ClassStats {
        private final double[] logCorrection = new double[KINDS]; // per kind: smoothed ln(actual / raw)
        private final double[] weight = new double[KINDS];        // per kind: samples seen, each counted by its share
        private double error = Double.NaN;
        private final double[] outputRatios = new double[SAMPLES];
        private int outputSamples;

        /**
         * A kind's correction with its safety margin: until there is evidence, over-estimate a little,
         * because an under-estimate costs a 429 and an over-estimate only waits.
         */
        synchronized double correction(int kind) {
            double n = weight[kind];
            return Math.exp(logCorrection[kind]) * (n < 1e-9 ? 1.15 : n < 10 ? 1.1 : 1.02);
        }

        synchronized double predict(double[] kinds) {
            double p = 0;
            for (int k = 0; k < KINDS; k++) {
                if (kinds[k] > 0) {
                    p += kinds[k] * correction(k);
                }
            }
            return p;
        }

        synchronized void learn(double[] kinds, long actualInput, long actualOutput, long maxTokens) {
            double corrected = 0;
            for (int k = 0; k < KINDS; k++) {
                corrected += kinds[k] * Math.exp(logCorrection[k]);
            }
            if (corrected > 0 && actualInput > 0) {
                double predicted = predict(kinds);
                double relError = Math.abs(predicted - actualInput) / actualInput;
                error = Double.isNaN(error) ? relError : 0.9 * error + 0.1 * relError;
                double logError = Math.max(-MAX_LOG_ERROR, Math.min(MAX_LOG_ERROR, Math.log(actualInput / corrected)));
                for (int k = 0; k < KINDS; k++) {
                    double share = kinds[k] * Math.exp(logCorrection[k]) / corrected;
                    if (share <= 0) {
                        continue;
                    }
                    double alpha = weight[k] < 20 ? 1.0 / (weight[k] + 1) : 0.05;
                    logCorrection[k] += alpha * share * logError;
                    weight[k] += share;
                }
            }
            if (maxTokens > 0) {
                outputRatios[outputSamples % SAMPLES] = Math.max(0, Math.min(1, (double) actualOutput / maxTokens));
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
