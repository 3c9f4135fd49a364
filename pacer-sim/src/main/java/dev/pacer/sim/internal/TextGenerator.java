package dev.pacer.sim.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Deterministic generated text of an exact token count, cut into stream deltas. Every token is a
 * word of at most five ASCII letters, a period or a newline, each exactly one token for the
 * {@link Tokenizer} whatever its seed, and words are joined by single spaces (no tokens), so the
 * deltas' counts add up to the whole.
 */
final class TextGenerator {

    private static final String[] WORDS = {"the", "rate", "limit", "token", "quota", "model", "paces", "every", "call",
            "lands", "on", "time", "and", "spend", "last", "fills", "again", "under", "load", "calm", "flow", "wait", "queue",
            "retry", "opens", "route", "falls", "back", "to", "a", "small", "slow", "clock", "ahead", "when", "it",
            "sees", "its", "share", "burst", "then", "rests", "we", "keep", "going"};

    private TextGenerator() {
    }

    /** A delta of text and its exact token count. */
    record Delta(String text, int tokens) {
    }

    /** {@code tokens} tokens of text in deltas of one to four tokens; the same seed gives the same text. */
    static List<Delta> generate(long seed, int tokens) {
        SplittableRandom random = new SplittableRandom(seed);
        List<Delta> deltas = new ArrayList<>();
        StringBuilder piece = new StringBuilder();
        int inPiece = 0;
        int pieceSize = 1 + random.nextInt(4);
        int sentence = 0;
        boolean lineStart = true;
        for (int left = tokens; left > 0; left--) {
            if (sentence >= 5 && left > 1 && random.nextInt(5) == 0) {
                piece.append(sentence > 9 && random.nextInt(3) == 0 ? ".\n" : ".");
                if (piece.charAt(piece.length() - 1) == '\n') {
                    left--;
                    inPiece++;
                    lineStart = true;
                }
                sentence = 0;
            } else {
                String word = WORDS[random.nextInt(WORDS.length)];
                if (!lineStart) {
                    piece.append(' ');
                }
                piece.append(sentence == 0 ? Character.toUpperCase(word.charAt(0)) + word.substring(1) : word);
                sentence++;
                lineStart = false;
            }
            inPiece++;
            if (inPiece >= pieceSize || left <= 1) {
                deltas.add(new Delta(piece.toString(), inPiece));
                piece.setLength(0);
                inPiece = 0;
                pieceSize = 1 + random.nextInt(4);
            }
        }
        if (piece.length() > 0) {
            deltas.add(new Delta(piece.toString(), inPiece));
        }
        return deltas;
    }

    static String join(List<Delta> deltas) {
        StringBuilder sb = new StringBuilder();
        for (Delta d : deltas) {
            sb.append(d.text());
        }
        return sb.toString();
    }
}
