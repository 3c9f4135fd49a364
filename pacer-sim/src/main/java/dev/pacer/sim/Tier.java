package dev.pacer.sim;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Rate-limit presets from the published tables (shared/reference/anthropic-api.md §1.8–1.10):
 * Tier 1–4 as of April 2026 and Start/Build/Scale as of late 2026. Each gives limits per model
 * class, the count_tokens and Message Batches request limits, and the batch queue size. They are
 * a starting point, not constants: {@code sim.yaml} or flags override any figure.
 *
 * <p>Where a table has no row for a class (e.g. Opus 5 in Tier 1–4, or the 5.5 models anywhere)
 * the class gets its family's row: the flagship row for Opus, Sonnet, Mythos and Fable, Haiku 4.5's
 * for Haiku 5.5.
 */
public enum Tier {
    TIER_1("tier-1", row(50, 30_000, 8_000), row(50, 50_000, 10_000), row(50, 50_000, 10_000), null, 100, 50, 100_000),
    TIER_2("tier-2", row(1_000, 450_000, 90_000), row(1_000, 450_000, 90_000), row(1_000, 100_000, 20_000), null, 2_000, 1_000, 200_000),
    TIER_3("tier-3", row(2_000, 800_000, 160_000), row(2_000, 1_000_000, 200_000), row(2_000, 200_000, 40_000), null, 4_000, 2_000, 300_000),
    TIER_4("tier-4", row(4_000, 2_000_000, 400_000), row(4_000, 4_000_000, 800_000), row(4_000, 400_000, 80_000), null, 8_000, 4_000, 500_000),
    START("start", row(1_000, 2_000_000, 400_000), row(1_000, 2_000_000, 400_000), row(1_000, 100_000, 20_000),
            row(1_000, 500_000, 100_000), 5_000, 1_000, 200_000),
    BUILD("build", row(5_000, 5_000_000, 1_000_000), row(5_000, 5_000_000, 1_000_000), row(2_000, 200_000, 40_000),
            row(2_000, 1_500_000, 300_000), 10_000, 2_000, 300_000),
    SCALE("scale", row(10_000, 10_000_000, 2_000_000), row(10_000, 10_000_000, 2_000_000), row(4_000, 400_000, 80_000),
            row(4_000, 4_000_000, 800_000), 20_000, 4_000, 500_000);

    private static final String[] FLAGSHIP = {"opus-4", "sonnet-4", "opus-5", "opus-5-5", "sonnet-5", "sonnet-5-5",
            "mythos-5", "mythos-5-1", "mythos-5-2", "mythos-preview"};
    private static final String[] HAIKU = {"haiku-4-5", "haiku-5-5"};
    private static final String[] FABLE = {"fable-5", "fable-5-1"};

    private final String id;
    private final long[] flagship;
    private final long[] haiku;
    private final long[] haiku35;
    private final long[] fable;
    private final long countTokensRpm;
    private final long batchRpm;
    private final long batchQueue;

    Tier(String id, long[] flagship, long[] haiku, long[] haiku35, long[] fable, long countTokensRpm, long batchRpm, long batchQueue) {
        this.id = id;
        this.flagship = flagship;
        this.haiku = haiku;
        this.haiku35 = haiku35;
        this.fable = fable == null ? flagship : fable;
        this.countTokensRpm = countTokensRpm;
        this.batchRpm = batchRpm;
        this.batchQueue = batchQueue;
    }

    private static long[] row(long rpm, long itpm, long otpm) {
        return new long[] {rpm, itpm, otpm};
    }

    /** The tier named {@code id}: tier-1, tier-2, tier-3, tier-4, start, build or scale. */
    public static Tier of(String id) {
        for (Tier t : values()) {
            if (t.id.equals(id.trim().toLowerCase(Locale.ROOT))) {
                return t;
            }
        }
        throw new IllegalArgumentException("tier '" + id + "' is not known; use one of " + ids() + ".");
    }

    /** Every tier's id, comma-separated. */
    public static String ids() {
        return Arrays.stream(values()).map(Tier::id).collect(Collectors.joining(", "));
    }

    /** The id used in flags and files. */
    public String id() {
        return id;
    }

    /** Requests per minute of the count_tokens endpoint (its own limit, apart from Messages). */
    public long countTokensRpm() {
        return countTokensRpm;
    }

    /** Requests per minute over all Message Batches endpoints together. */
    public long batchRpm() {
        return batchRpm;
    }

    /** Batch requests that may wait in the processing queue. */
    public long batchQueueLimit() {
        return batchQueue;
    }

    /**
     * The limits of every model class of the default {@link ModelTable}, in a stable order, each
     * with its {@linkplain ModelTable#defaultMaxOutputTokens default maximum output}.
     */
    public Map<String, ModelClass> classes() {
        Map<String, ModelClass> m = new LinkedHashMap<>();
        for (String c : FLAGSHIP) {
            m.put(c, modelClass(c, flagship, false));
        }
        for (String c : HAIKU) {
            m.put(c, modelClass(c, haiku, false));
        }
        m.put("haiku-3-5", modelClass("haiku-3-5", haiku35, true));
        for (String c : FABLE) {
            m.put(c, modelClass(c, fable, false));
        }
        return m;
    }

    private static ModelClass modelClass(String name, long[] row, boolean countCacheReads) {
        return new ModelClass(name, row[0], row[1], row[2], countCacheReads, ModelTable.defaultMaxOutputTokens(name));
    }
}
