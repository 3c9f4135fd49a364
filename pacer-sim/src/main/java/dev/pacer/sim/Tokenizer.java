package dev.pacer.sim;

/**
 * A deterministic pseudo-tokenizer. Clients cannot know it exactly (Claude's own is not public
 * either), and like a real one its ratio to characters depends on the content: English prose
 * runs at roughly 4–5 characters per token, code and punctuation-heavy text at 2–3, CJK at about
 * one character per token, digits at three per token.
 *
 * <p>Rules: a run of ASCII letters of length n counts {@code ceil(n / 5)}, plus one for words of
 * more than seven letters whose hash is divisible by 3; a run of digits counts {@code ceil(n / 3)};
 * a newline counts 1; spaces and tabs count 0; any other ASCII character counts 1; a code point
 * outside ASCII counts 1 (2 for those above U+FFFF).
 */
public final class Tokenizer {

    private Tokenizer() {
    }

    /** Tokens in {@code text}. */
    public static int count(CharSequence text) {
        int tokens = 0;
        int i = 0;
        int n = text.length();
        while (i < n) {
            char c = text.charAt(i);
            if (isLetter(c)) {
                int startWord = i;
                int hash = 0;
                while (i < n && isLetter(text.charAt(i))) {
                    hash = 31 * hash + text.charAt(i);
                    i++;
                }
                int len = i - startWord;
                tokens += (len + 4) / 5 + (len > 7 && Math.floorMod(hash, 3) == 0 ? 1 : 0);
            } else if (c >= '0' && c <= '9') {
                int startNum = i;
                while (i < n && text.charAt(i) >= '0' && text.charAt(i) <= '9') {
                    i++;
                }
                tokens += (i - startNum + 2) / 3;
            } else if (c == ' ' || c == '\t' || c == '\r') {
                i++;
            } else if (Character.isHighSurrogate(c) && i + 1 < n) {
                tokens += 2;
                i += 2;
            } else {
                tokens += 1;
                i++;
            }
        }
        return tokens;
    }

    private static boolean isLetter(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    }
}
