package dev.pacer.sim;

import java.util.Locale;

/**
 * What happens, with output counted as generated, when a generation empties the output bucket.
 * The API does not document it, so it is a setting.
 */
public enum OtpmOverrun {
    /** The generation finishes and the bucket goes into debt; new requests wait until it refills. */
    DEBT("debt"),
    /**
     * The generation stops: a stream ends with {@code event: error} ({@code rate_limit_error}), a
     * plain request gets a 429. The tokens it would still have produced count toward the
     * over-admission statistic, so the figure means the same in both modes.
     */
    CUT("cut");

    private final String id;

    OtpmOverrun(String id) {
        this.id = id;
    }

    /** The name used in {@code sim.yaml} and flags. */
    public String id() {
        return id;
    }

    /** The behaviour named {@code id}. */
    public static OtpmOverrun of(String id) {
        for (OtpmOverrun m : values()) {
            if (m.id.equals(id.trim().toLowerCase(Locale.ROOT))) {
                return m;
            }
        }
        throw new IllegalArgumentException("otpm-overrun '" + id + "' is not allowed; use debt or cut.");
    }
}
