package dev.pacer.sim.internal;

/**
 * A deterministic pseudo-tokenizer whose exact counts a client cannot know without asking
 * {@code count_tokens} (Claude's own tokenizer is not public either): a seed decides which long
 * words cost an extra token. Like a real tokenizer its ratio to characters depends on the content.
 *
 * <p>Rules: a run of ASCII letters of length n costs {@code ceil(n / 5)}, plus one for words of more
 * than seven letters the seed picks (about a third); a run of digits {@code ceil(n / 3)}; a newline
 * 1; a single space or tab 0, a run of them one per four; an ASCII symbol 1, and the common
 * two-character operators ({@code == != <= >= -> => ++ -- && || :: // **}) 1 for the pair; a CJK
 * character 1; a run of other non-ASCII letters (accented Latin, Cyrillic, Greek, Arabic…)
 * {@code ceil(n / 2)}; a code point outside the BMP (emoji) 2; any other character 1. So English
 * prose runs at about 4–5 characters per token, code at 2–3, CJK at 1.
 *
 * <p>Counts add up over text split at single spaces, which is how streamed deltas are cut.
 */
public final class Tokenizer {

    private final long seed;

    public Tokenizer(long seed) {
        this.seed = seed;
    }

    /** The tokens of {@code text}. */
    public int count(CharSequence text) {
        int tokens = 0;
        int i = 0;
        int n = text.length();
        while (i < n) {
            char c = text.charAt(i);
            if (isAsciiLetter(c)) {
                int from = i;
                long hash = seed;
                while (i < n && isAsciiLetter(text.charAt(i))) {
                    hash = (hash ^ text.charAt(i)) * 0x100000001B3L;
                    i++;
                }
                int length = i - from;
                tokens += (length + 4) / 5 + (length > 7 && Math.floorMod(mix(hash), 3) == 0 ? 1 : 0);
            } else if (c >= '0' && c <= '9') {
                int from = i;
                while (i < n && text.charAt(i) >= '0' && text.charAt(i) <= '9') {
                    i++;
                }
                tokens += (i - from + 2) / 3;
            } else if (c == ' ' || c == '\t' || c == '\r') {
                int from = i;
                while (i < n && (text.charAt(i) == ' ' || text.charAt(i) == '\t' || text.charAt(i) == '\r')) {
                    i++;
                }
                tokens += (i - from) / 4;
            } else if (c < 128) {
                tokens += 1;
                i += i + 1 < n && isOperator(c, text.charAt(i + 1)) ? 2 : 1;
            } else if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(text.charAt(i + 1))) {
                tokens += 2;
                i += 2;
            } else if (isCjk(c)) {
                tokens += 1;
                i++;
            } else if (Character.isLetter(c)) {
                int from = i;
                while (i < n && text.charAt(i) >= 128 && Character.isLetter(text.charAt(i)) && !isCjk(text.charAt(i))) {
                    i++;
                }
                tokens += (i - from + 1) / 2;
            } else {
                tokens += 1;
                i++;
            }
        }
        return tokens;
    }

    private static boolean isAsciiLetter(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    }

    private static boolean isOperator(char a, char b) {
        return switch (a) {
            case '=', '!', '<', '>' -> b == '=' || (a == '=' && b == '>');
            case '-' -> b == '>' || b == '-';
            case '+' -> b == '+';
            case '&' -> b == '&';
            case '|' -> b == '|';
            case ':' -> b == ':';
            case '/' -> b == '/';
            case '*' -> b == '*';
            default -> false;
        };
    }

    private static boolean isCjk(char c) {
        Character.UnicodeScript script = Character.UnicodeScript.of(c);
        return script == Character.UnicodeScript.HAN || script == Character.UnicodeScript.HIRAGANA
                || script == Character.UnicodeScript.KATAKANA || script == Character.UnicodeScript.HANGUL;
    }

    private static long mix(long z) {
        z = (z ^ (z >>> 33)) * 0xff51afd7ed558ccdL;
        z = (z ^ (z >>> 33)) * 0xc4ceb9fe1a85ec53L;
        return z ^ (z >>> 33);
    }
}
