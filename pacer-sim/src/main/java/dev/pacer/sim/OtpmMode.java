package dev.pacer.sim;

import java.util.Locale;

/** How output tokens count toward the output-tokens-per-minute limit. */
public enum OtpmMode {
    /** Counted as they are generated; {@code max_tokens} costs nothing (the API's behaviour since 2026). */
    ACTUAL("actual"),
    /** {@code max_tokens} reserved at admission, the unused part given back at the end (the 2025 behaviour). */
    RESERVE_MAX_TOKENS("reserve-max-tokens");

    private final String id;

    OtpmMode(String id) {
        this.id = id;
    }

    /** The name used in {@code sim.yaml} and flags. */
    public String id() {
        return id;
    }

    /** The mode named {@code id}. */
    public static OtpmMode of(String id) {
        for (OtpmMode m : values()) {
            if (m.id.equals(id.trim().toLowerCase(Locale.ROOT))) {
                return m;
            }
        }
        throw new IllegalArgumentException("otpm-mode '" + id + "' is not allowed; use actual or reserve-max-tokens.");
    }
}
