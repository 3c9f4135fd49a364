package dev.pacer.batch;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pacer.anthropic.ModelClasses;
import dev.pacer.anthropic.TokenEstimator;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * {@code pacer batch plan}: what a file will cost and take before anything is sent. Input tokens
 * are estimated locally (no request leaves the machine); output is shown as its ceiling
 * ({@code max_tokens}) and as a typical figure (40% of it, refined by real runs).
 *
 * <p>Prompt caching is priced as the API bills it: a request whose {@code cache_control}
 * breakpoint ends a prefix at least as long as the model's minimum (1,024 tokens; 2,048 for
 * Haiku) writes that prefix (at 1.25x the input price, 2x for a 1-hour {@code ttl}) the first
 * time the prefix appears for its model class, and reads it (at 0.1x) every later time; the file
 * is assumed to run in order within the cache's lifetime. The ceiling ("at most") assumes no hit
 * at all: every marked prefix written again. The Batches price is half of all of it; cache hits
 * inside batches are best-effort, so its typical figure is given with and without them.
 *
 * <p>The live ETA is per quota pool, since each model class has its own limits and pools run side
 * by side: a pool's bucket starts full, so it needs {@code (amount - limit) / limit} minutes on
 * its most binding dimension; the job takes as long as its slowest pool.
 */
public final class Plan {

    /** Per-minute limits used for the ETA. */
    public record Limits(long rpm, long itpm, long otpm, String source) {
    }

    /**
     * The figures of one quota pool (or of the whole file, in {@link Figures#total}).
     *
     * @param cacheWriteTokens input tokens written to the prompt cache (included in inputTokens)
     * @param cacheReadTokens  input tokens read from the prompt cache (included in inputTokens)
     * @param etaMinutes       minutes of live calls under the pool's limits (NaN when unknown)
     */
    public record Pool(String modelClass, int requests, long inputTokens, long cacheWriteTokens, long cacheReadTokens,
                       long maxOutputTokens, long typicalOutputTokens, double liveCostTypical, double liveCostMax,
                       double costTypicalNoCacheHits, double etaMinutes, String bindingDimension, Limits limits) {

        public double batchCostTypical() {
            return liveCostTypical * Prices.BATCH_DISCOUNT;
        }

        /** The typical Batches cost if no cache read hits (in batches, hits are best-effort). */
        public double batchCostTypicalNoCacheHits() {
            return costTypicalNoCacheHits * Prices.BATCH_DISCOUNT;
        }

        public double batchCostMax() {
            return liveCostMax * Prices.BATCH_DISCOUNT;
        }
    }

    /** The figures per pool and in total; the total's ETA and binding dimension are the slowest pool's. */
    public record Figures(Map<String, Pool> pools, Pool total) {

        public int requests() {
            return total.requests();
        }

        public long inputTokens() {
            return total.inputTokens();
        }

        public double liveCostTypical() {
            return total.liveCostTypical();
        }

        public double batchCostTypical() {
            return total.batchCostTypical();
        }

        public double etaMinutes() {
            return total.etaMinutes();
        }
    }

    static final double TYPICAL_OUTPUT_SHARE = 0.4;

    private Plan() {
    }

    /** The cached prefix of one request: its key (model class and content) and its time to live. */
    record CachePrefix(String key, ObjectNode params, boolean oneHour) {
    }

    /** Computes the figures of the valid requests of {@code input}; {@code limitsOf} gives a model class's limits (null: unknown). */
    public static Figures figures(BatchInput input, Prices prices, Function<String, Limits> limitsOf) {
        ModelClasses classes = ModelClasses.defaults();
        TokenEstimator estimator = TokenEstimator.defaults();
        Map<String, long[]> tokens = new LinkedHashMap<>(); // requests, input, cache write, cache read, max out, typical out
        Map<String, double[]> costs = new HashMap<>(); // typical, max
        java.util.Set<String> cached = new java.util.HashSet<>();
        for (BatchInput.Item item : input.items()) {
            String modelClass = classes.classOf(item.params().path("model").asText());
            long in = Math.round(estimator.estimate(modelClass, item.params()).rawInput());
            long write5m = 0;
            long write1h = 0;
            long read = 0;
            CachePrefix prefix = cachePrefix(modelClass, item.params());
            if (prefix != null) {
                long prefixTokens = Math.min(in, Math.round(estimator.estimate(modelClass, prefix.params()).rawInput()));
                if (prefixTokens >= minimumCacheable(modelClass)) {
                    if (cached.add(prefix.key())) {
                        if (prefix.oneHour()) {
                            write1h = prefixTokens;
                        } else {
                            write5m = prefixTokens;
                        }
                    } else {
                        read = prefixTokens;
                    }
                }
            }
            long uncached = in - write5m - write1h - read;
            long max = item.params().path("max_tokens").asLong();
            long typ = Math.round(max * TYPICAL_OUTPUT_SHARE);
            // Without a cache hit a marked prefix is written again (at the write price): the ceiling.
            long missedWrite = read;
            boolean missedOneHour = prefix != null && prefix.oneHour();
            long[] t = tokens.computeIfAbsent(modelClass, c -> new long[6]);
            t[0]++;
            t[1] += in;
            t[2] += write5m + write1h;
            t[3] += read;
            t[4] += max;
            t[5] += typ;
            double[] c = costs.computeIfAbsent(modelClass, x -> new double[3]);
            c[0] += prices.cost(modelClass, uncached, write5m, write1h, read, typ, false);
            long w5 = write5m + (missedOneHour ? 0 : missedWrite);
            long w1 = write1h + (missedOneHour ? missedWrite : 0);
            c[1] += prices.cost(modelClass, uncached, w5, w1, 0, max, false);
            c[2] += prices.cost(modelClass, uncached, w5, w1, 0, typ, false);
        }
        Map<String, Pool> pools = new LinkedHashMap<>();
        long[] sum = new long[6];
        double typical = 0;
        double most = 0;
        double noHits = 0;
        Pool slowest = null;
        for (Map.Entry<String, long[]> e : tokens.entrySet()) {
            long[] t = e.getValue();
            double[] c = costs.get(e.getKey());
            Limits limits = limitsOf.apply(e.getKey());
            double eta = Double.NaN;
            String binding = null;
            if (limits != null) {
                // Cache reads do not count toward input tokens per minute (for most models); writes do.
                double[] need = {minutesPast(t[0], limits.rpm()), minutesPast(t[1] - t[3], limits.itpm()), minutesPast(t[5], limits.otpm())};
                String[] names = {"requests", "input tokens", "output tokens"};
                eta = 0;
                binding = names[0];
                for (int i = 0; i < 3; i++) {
                    if (need[i] > eta) {
                        eta = need[i];
                        binding = names[i];
                    }
                }
            }
            Pool pool = new Pool(e.getKey(), (int) t[0], t[1], t[2], t[3], t[4], t[5], c[0], c[1], c[2], eta, binding, limits);
            pools.put(e.getKey(), pool);
            for (int i = 0; i < 6; i++) {
                sum[i] += t[i];
            }
            typical += c[0];
            most += c[1];
            noHits += c[2];
            if (slowest == null || Double.isNaN(slowest.etaMinutes()) || pool.etaMinutes() > slowest.etaMinutes()) {
                slowest = pool;
            }
        }
        Pool total = new Pool("all", (int) sum[0], sum[1], sum[2], sum[3], sum[4], sum[5], typical, most, noHits,
                slowest == null ? 0 : slowest.etaMinutes(), slowest == null ? null : slowest.modelClass() + " " + slowest.bindingDimension(),
                slowest == null ? null : slowest.limits());
        return new Figures(pools, total);
    }

    /** Minutes a full bucket of {@code perMinute} needs to let {@code amount} through. */
    private static double minutesPast(long amount, long perMinute) {
        return Math.max(0, (double) (amount - perMinute) / perMinute);
    }

    static long minimumCacheable(String modelClass) {
        return modelClass.startsWith("haiku") ? 2_048 : 1_024;
    }

    /**
     * The prefix a request caches: everything up to its last {@code cache_control} breakpoint,
     * in the API's order (tools, then system, then messages), or null when it has none.
     */
    static CachePrefix cachePrefix(String modelClass, JsonNode params) {
        ObjectNode prefix = BatchInput.JSON.createObjectNode();
        ObjectNode atBreakpoint = null;
        boolean oneHour = false;
        ArrayNode tools = prefix.putArray("tools");
        for (JsonNode tool : params.path("tools")) {
            tools.add(tool);
            if (tool.has("cache_control")) {
                atBreakpoint = prefix.deepCopy();
                oneHour = "1h".equals(tool.path("cache_control").path("ttl").asText());
            }
        }
        JsonNode system = params.get("system");
        if (system != null && system.isArray()) {
            ArrayNode blocks = prefix.putArray("system");
            for (JsonNode block : system) {
                blocks.add(block);
                if (block.has("cache_control")) {
                    atBreakpoint = prefix.deepCopy();
                    oneHour = "1h".equals(block.path("cache_control").path("ttl").asText());
                }
            }
        } else if (system != null) {
            prefix.set("system", system);
        }
        ArrayNode messages = prefix.putArray("messages");
        for (JsonNode m : params.path("messages")) {
            ObjectNode msg = messages.addObject().put("role", m.path("role").asText());
            JsonNode content = m.path("content");
            if (!content.isArray()) {
                msg.set("content", content);
                continue;
            }
            ArrayNode blocks = msg.putArray("content");
            for (JsonNode block : content) {
                blocks.add(block);
                if (block.has("cache_control")) {
                    atBreakpoint = prefix.deepCopy();
                    oneHour = "1h".equals(block.path("cache_control").path("ttl").asText());
                }
            }
        }
        return atBreakpoint == null ? null : new CachePrefix(modelClass + "|" + atBreakpoint, atBreakpoint, oneHour);
    }

    /** Prints a plan. */
    public static void print(BatchInput input, Prices prices, Function<String, Limits> limitsOf, String autoChoice, PrintStream out) {
        Figures f = figures(input, prices, limitsOf);
        Pool t = f.total();
        Map<String, Integer> models = new LinkedHashMap<>();
        input.items().forEach(i -> models.merge(i.params().path("model").asText(), 1, Integer::sum));
        out.printf("%s: %,d requests%s%n", input.path(), t.requests(),
                input.problems().isEmpty() ? "" : " valid, " + input.problems().size() + " invalid (listed above)");
        models.forEach((m, c) -> out.printf("  %-28s %,d requests%s%n", m, c,
                prices.knows(ModelClasses.defaults().classOf(m)) ? "" : "  (no price known: priced like Sonnet)"));
        out.printf("Input tokens (estimated locally):   %,d%s%n", t.inputTokens(), t.cacheWriteTokens() + t.cacheReadTokens() == 0 ? ""
                : String.format(", of which ~%,d written to and ~%,d read from the prompt cache", t.cacheWriteTokens(), t.cacheReadTokens()));
        out.printf("Output tokens:                      up to %,d (max_tokens); typically ~%,d%n", t.maxOutputTokens(), t.typicalOutputTokens());
        out.printf("Cost, live (--via messages):        ~%s typical, %s at most%n", usd(t.liveCostTypical()), usd(t.liveCostMax()));
        if (t.cacheReadTokens() == 0) {
            out.printf("Cost, Batches API (--via batches):  ~%s typical, %s at most (50%% discount on all tokens)%n",
                    usd(t.batchCostTypical()), usd(t.batchCostMax()));
        } else {
            out.printf("Cost, Batches API (--via batches):  ~%s typical with cache hits as live, ~%s without; %s at most"
                    + " (50%% discount on all tokens; cache hits in batches are best-effort)%n",
                    usd(t.batchCostTypical()), usd(t.batchCostTypicalNoCacheHits()), usd(t.batchCostMax()));
        }
        List<String> unknown = new ArrayList<>();
        for (Pool p : f.pools().values()) {
            if (p.limits() == null) {
                unknown.add(p.modelClass());
                continue;
            }
            out.printf("ETA, live, %-10s %,d requests under %s (%,d RPM, %,d ITPM, %,d OTPM): ~%s, bound by %s%n", p.modelClass() + ":",
                    p.requests(), p.limits().source(), p.limits().rpm(), p.limits().itpm(), p.limits().otpm(), minutes(p.etaMinutes()),
                    p.bindingDimension());
        }
        if (!unknown.isEmpty()) {
            out.printf("ETA, live: no limits known for %s; give them with --limits.%n", String.join(", ", unknown));
        } else if (f.pools().size() > 1) {
            out.printf("ETA, live, all pools side by side: ~%s (%s)%n", minutes(t.etaMinutes()), t.bindingDimension());
        }
        out.printf("ETA, Batches API: most batches end within 1 hour, all within 24 hours.%n");
        if (autoChoice != null) {
            out.printf("--via auto would choose: %s.%n", autoChoice);
        }
    }

    /** Dollars with the cents that matter: $1,234.57, $0.85, $0.0123. */
    static String usd(double v) {
        return v >= 1 ? String.format(java.util.Locale.ROOT, "$%,.2f", v) : String.format(java.util.Locale.ROOT, "$%.4f", v);
    }

    static String minutes(double m) {
        if (Double.isNaN(m)) {
            return "unknown";
        }
        if (m < 1) {
            return Math.max(1, Math.round(m * 60)) + " s";
        }
        if (m < 120) {
            return String.format("%.0f min", Math.ceil(m));
        }
        return String.format("%.1f h", m / 60);
    }
}
