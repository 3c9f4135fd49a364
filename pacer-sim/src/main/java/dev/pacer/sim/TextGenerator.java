package dev.pacer.sim;

import java.util.SplittableRandom;

/**
 * Deterministic generated text of an exact token count (by {@link Tokenizer}): words of at most
 * five letters (one token each) and sentence-ending periods (one token each).
 */
final class TextGenerator {

    private static final String[] WORDS = {"the", "rate", "limit", "token", "quota", "model", "paces", "every",
            "call", "lands", "on", "time", "and", "spend", "last", "fills", "again", "under", "load", "calm",
            "flow", "wait", "queue", "retry", "opens", "route", "falls", "back", "to", "a", "small", "slow"};

    private TextGenerator() {
    }

    /** {@code tokens} tokens of text, the same for the same seed. */
    static String generate(long seed, int tokens) {
        SplittableRandom random = new SplittableRandom(seed);
        StringBuilder sb = new StringBuilder(tokens * 6);
        int left = tokens;
        int sentence = 0;
        while (left > 0) {
            if (sentence >= 6 && left > 1 && random.nextInt(4) == 0) {
                sb.append('.');
                left--;
                sentence = 0;
                continue;
            }
            String word = WORDS[random.nextInt(WORDS.length)]; // at most five letters: one token each
            if (sb.length() > 0) {
                sb.append(' ');
            }
            sb.append(sentence == 0 ? Character.toUpperCase(word.charAt(0)) + word.substring(1) : word);
            left--;
            sentence++;
        }
        return sb.toString();
    }

    /** Splits generated text into stream deltas of a few words each. */
    static java.util.List<String> chunks(String text, int wordsPerChunk) {
        java.util.List<String> out = new java.util.ArrayList<>();
        int count = 0;
        int from = 0;
        for (int i = 0; i < text.length(); i++) {
            if (text.charAt(i) == ' ' && ++count % wordsPerChunk == 0) {
                out.add(text.substring(from, i));
                from = i;
            }
        }
        if (from < text.length()) {
            out.add(text.substring(from));
        }
        return out;
    }
}
