package dev.pacer.sim.internal;

/**
 * An output length a test or benchmark asks for instead of the configured distribution: an exact
 * token count ({@code sim:output_tokens=N}) or a share of {@code max_tokens}
 * ({@code sim:output_fraction=F}), given in {@code metadata.user_id} or in the request headers
 * {@code x-sim-output-tokens} / {@code x-sim-output-fraction}.
 *
 * @param tokens   an exact count, or -1
 * @param fraction a share of max_tokens in (0, 1], or -1
 */
record OutputHint(int tokens, double fraction) {

    static final OutputHint NONE = new OutputHint(-1, -1);

    /** Parses {@code sim:output_tokens=N} or {@code sim:output_fraction=F}; anything else means no hint. */
    static OutputHint from(String userId) {
        if (userId.startsWith("sim:output_tokens=")) {
            return tokens(userId.substring("sim:output_tokens=".length()));
        }
        if (userId.startsWith("sim:output_fraction=")) {
            return fraction(userId.substring("sim:output_fraction=".length()));
        }
        return NONE;
    }

    static OutputHint tokens(String text) {
        try {
            int n = Integer.parseInt(text.trim());
            return n >= 1 ? new OutputHint(n, -1) : NONE;
        } catch (NumberFormatException e) {
            return NONE;
        }
    }

    static OutputHint fraction(String text) {
        try {
            double f = Double.parseDouble(text.trim());
            return f > 0 && f <= 1 ? new OutputHint(-1, f) : NONE;
        } catch (NumberFormatException e) {
            return NONE;
        }
    }

    boolean present() {
        return tokens > 0 || fraction > 0;
    }
}
