package dev.pacer.sim;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Rate-limit presets from the public tables (see shared/reference/anthropic-api.md §1.8, 1.9,
 * 1.10). They are configuration, not constants: a config file or flags override any of them.
 */
public enum Tier {
    TIER_1("tier-1", 50, 30_000, 8_000, 50_000, 10_000, 100, 50),
    TIER_2("tier-2", 1_000, 450_000, 90_000, 450_000, 90_000, 2_000, 1_000),
    TIER_3("tier-3", 2_000, 800_000, 160_000, 1_000_000, 200_000, 4_000, 2_000),
    TIER_4("tier-4", 4_000, 2_000_000, 400_000, 4_000_000, 800_000, 8_000, 4_000),
    START("start", 1_000, 2_000_000, 400_000, 2_000_000, 400_000, 5_000, 1_000),
    BUILD("build", 5_000, 5_000_000, 1_000_000, 5_000_000, 1_000_000, 10_000, 2_000),
    SCALE("scale", 10_000, 10_000_000, 2_000_000, 10_000_000, 2_000_000, 20_000, 4_000);

    private final String id;
    private final long rpm;
    private final long itpm;
    private final long otpm;
    private final long haikuItpm;
    private final long haikuOtpm;
    private final long countTokensRpm;
    private final long batchRpm;

    Tier(String id, long rpm, long itpm, long otpm, long haikuItpm, long haikuOtpm, long countTokensRpm, long batchRpm) {
        this.id = id;
        this.rpm = rpm;
        this.itpm = itpm;
        this.otpm = otpm;
        this.haikuItpm = haikuItpm;
        this.haikuOtpm = haikuOtpm;
        this.countTokensRpm = countTokensRpm;
        this.batchRpm = batchRpm;
    }

    /** The tier named {@code id} (e.g. {@code tier-1}, {@code build}). */
    public static Tier of(String id) {
        for (Tier t : values()) {
            if (t.id.equals(id.toLowerCase(Locale.ROOT))) {
                return t;
            }
        }
        throw new IllegalArgumentException("Unknown tier '" + id + "'; allowed: "
                + Arrays.stream(values()).map(Tier::id).collect(Collectors.joining(", ")) + ".");
    }

    /** The id used in flags and files. */
    public String id() {
        return id;
    }

    /** Requests per minute of the count_tokens endpoint. */
    public long countTokensRpm() {
        return countTokensRpm;
    }

    /** Requests per minute over all Message Batches endpoints. */
    public long batchRpm() {
        return batchRpm;
    }

    /** The model classes of this tier. */
    public Map<String, ModelClass> classes() {
        Map<String, ModelClass> m = new LinkedHashMap<>();
        m.put("opus", new ModelClass("opus", rpm, itpm, otpm, false));
        m.put("sonnet", new ModelClass("sonnet", rpm, itpm, otpm, false));
        m.put("haiku", new ModelClass("haiku", rpm, haikuItpm, haikuOtpm, false));
        m.put("haiku-3-5", new ModelClass("haiku-3-5", rpm, Math.max(1, haikuItpm / 2), Math.max(1, haikuOtpm / 2), true));
        return m;
    }
}
