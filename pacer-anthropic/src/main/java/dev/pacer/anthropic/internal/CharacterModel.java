package dev.pacer.anthropic.internal;

import com.fasterxml.jackson.databind.JsonNode;
import dev.pacer.anthropic.TokenEstimator.ContentKind;

/**
 * The uncorrected input estimate of a Messages request: a character count per {@link ContentKind}.
 * There is no public Claude tokenizer; this model is only the starting point that
 * {@link KindCorrections} calibrates per model class and kind. Latin prose is about 4.5 characters
 * a token, runs of symbols and digits (code, JSON) 2.5, CJK and similar scripts one token a
 * character; images are estimated by size, inline PDFs by their pages ({@link PdfPages}); the
 * system prompt, each message, tool and tool call add their framing. Stateless.
 */
public final class CharacterModel {

    /** The number of kinds: the length of every per-kind array. */
    public static final int KINDS = ContentKind.values().length;

    private CharacterModel() {
    }

    /** Tokens by the uncorrected character model: system, messages, tools, images. */
    public static long rawInput(JsonNode params) {
        return total(rawByKind(params));
    }

    /** Tokens by the uncorrected character model, per {@link ContentKind} (by ordinal). */
    public static double[] rawByKind(JsonNode params) {
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

    /** The sum of per-kind figures, rounded, at least 1. */
    public static long total(double[] kinds) {
        double t = 0;
        for (double v : kinds) {
            t += v;
        }
        return Math.max(1, Math.round(t));
    }

    /**
     * Text: about 4.5 characters per token for Latin prose, 2.5 for runs of symbols and digits
     * (code, JSON), 1 per character for CJK and similar scripts.
     */
    public static double text(String s) {
        double[] k = new double[KINDS];
        text(s, k);
        return k[ContentKind.PROSE.ordinal()] + k[ContentKind.CODE.ordinal()] + k[ContentKind.WIDE.ordinal()];
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
     * ({@link PdfPages}); a URL or file reference, whose size is unknown here, like an image. The
     * title and context the block gives the model are text.
     */
    private static void document(JsonNode block, double[] k) {
        JsonNode source = block.path("source");
        switch (source.path("type").asText("")) {
            case "text" -> text(source.path("data").asText(""), k);
            case "content" -> content(source.path("content"), k);
            case "base64" -> {
                if ("application/pdf".equals(source.path("media_type").asText(""))) {
                    k[ContentKind.DOCUMENT.ordinal()] += PdfPages.tokens(source.path("data").asText(""));
                } else {
                    k[ContentKind.MEDIA.ordinal()] += image(block);
                }
            }
            default -> k[ContentKind.MEDIA.ordinal()] += image(block);
        }
        text(block.path("title").asText(""), k);
        text(block.path("context").asText(""), k);
    }

    /** Images: the API documents about (width x height) / 750; from the encoded size, about one token per 100 bytes. */
    private static double image(JsonNode block) {
        int bytes = block.path("source").path("data").asText("").length() * 3 / 4;
        return bytes == 0 ? 1_600 : Math.max(85, Math.min(1_600, bytes / 100.0));
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
}
