package dev.pacer.sim;

import java.util.Locale;

/**
 * Whose rate limits a request draws on. The API enforces them per organisation, so every key of
 * an organisation shares them; a simulator used to test several clients side by side is often
 * easier to read with a set of buckets per key, which stays the default.
 */
public enum LimitScope {
    /** Each API key has its own buckets (and its own batch queue). */
    KEY("key"),
    /** Every key shares one set of buckets, as the keys of one organisation do at the API. */
    ORGANIZATION("organization");

    private final String id;

    LimitScope(String id) {
        this.id = id;
    }

    /** The name used in {@code sim.yaml}. */
    public String id() {
        return id;
    }

    /** The scope named {@code id}. */
    public static LimitScope of(String id) {
        for (LimitScope s : values()) {
            if (s.id.equals(id.trim().toLowerCase(Locale.ROOT))) {
                return s;
            }
        }
        throw new IllegalArgumentException("limit-scope '" + id + "' is not allowed; use key or organization.");
    }
}
