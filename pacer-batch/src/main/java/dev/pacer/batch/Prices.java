package dev.pacer.batch;

import com.fasterxml.jackson.databind.JsonNode;
import dev.pacer.anthropic.Usage;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * USD per million tokens by model class, with the API's multipliers: 5-minute cache writes at
 * 1.25x the input price, 1-hour cache writes at 2x, cache reads at 0.1x (Anthropic; an OpenAI
 * model's cached prompt tokens have a price of their own), and the Message Batches API at 50% of
 * everything.
 * The defaults are list prices (late 2026) and can be overridden per class.
 *
 * <p>OpenAI models (a fallback chain may end with one) are priced by their model id, which is their
 * class ({@code ModelClasses} leaves a non-Claude id as it is; a dated id such as
 * {@code gpt-4o-mini-2024-07-18} takes its base model's price). Their figures are not in the
 * API reference Pacer was built from (it covers OpenAI's limits and errors only): they are
 * OpenAI's published list prices as secondary sources agreed on in 2026, and {@code o3}'s (cut from
 * 10/40 to 2/8 in 2025, sources still disagree) is the least certain. Every one can be replaced with
 * {@code --prices} or {@code prices:} in pacer.yaml.
 */
public final class Prices {

    /**
     * Input, output and cache-read USD per million tokens.
     *
     * @param cacheRead a cached prompt token's price: 0.1x the input price for Anthropic models (the two-argument
     *                  constructor), OpenAI's own figure for theirs
     */
    public record Price(double input, double output, double cacheRead) {

        /** A price whose cache reads cost 0.1x the input, as Anthropic's do. */
        public Price(double input, double output) {
            this(input, output, input * CACHE_READ);
        }
    }

    /** A dated OpenAI model id: {@code gpt-4o-mini-2024-07-18} is priced as {@code gpt-4o-mini}. */
    private static final java.util.regex.Pattern OPENAI_DATE = java.util.regex.Pattern.compile("-\\d{4}-\\d{2}-\\d{2}$");

    private final Map<String, Price> byClass = new LinkedHashMap<>();

    /** List prices. */
    public static Prices defaults() {
        Prices p = new Prices();
        p.put("opus-4", new Price(5, 25));
        p.put("sonnet-4", new Price(3, 15));
        p.put("haiku-4-5", new Price(1, 5));
        p.put("haiku-3-5", new Price(0.8, 4));
        p.put("opus-5", new Price(5, 25));
        p.put("sonnet-5", new Price(3, 15));
        // OpenAI (input, output, cached input), USD per million tokens: see the class comment for their source.
        p.put("gpt-4o", new Price(2.50, 10.00, 1.25));
        p.put("gpt-4o-mini", new Price(0.15, 0.60, 0.075));
        p.put("gpt-4.1", new Price(2.00, 8.00, 0.50));
        p.put("gpt-4.1-mini", new Price(0.40, 1.60, 0.10));
        p.put("gpt-4.1-nano", new Price(0.10, 0.40, 0.025));
        p.put("o1", new Price(15.00, 60.00, 7.50));
        p.put("o1-mini", new Price(1.10, 4.40, 0.55));
        p.put("o3", new Price(2.00, 8.00, 0.50)); // uncertain: see the class comment
        p.put("o3-mini", new Price(1.10, 4.40, 0.55));
        p.put("o4-mini", new Price(1.10, 4.40, 0.275));
        return p;
    }

    /**
     * The list prices with the classes of a JSON price table laid over them, e.g.
     * {@code {"sonnet-4": {"input": 3, "output": 15}, "claude-opus-5": {"input": 5, "output": 25}}}:
     * USD per million tokens, keyed by model class or model id.
     *
     * @throws BatchException with one sentence naming the file, the entry and the fix
     */
    public static Prices read(java.nio.file.Path file) {
        JsonNode root;
        try {
            root = com.fasterxml.jackson.databind.json.JsonMapper.builder().build().readTree(file.toFile());
        } catch (java.io.FileNotFoundException | java.nio.file.NoSuchFileException e) {
            throw new BatchException("The price table " + file + " does not exist; check the path given to --prices.");
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new BatchException("The price table " + file + " is not valid JSON (line " + e.getLocation().getLineNr() + ": "
                    + e.getOriginalMessage() + "); write it like {\"sonnet-4\": {\"input\": 3, \"output\": 15}}.");
        } catch (java.io.IOException e) {
            throw new BatchException("The price table " + file + " cannot be read: " + e.getMessage() + ".");
        }
        if (root == null || !root.isObject() || root.isEmpty()) {
            throw new BatchException("The price table " + file + " must be a JSON object of model classes, like {\"sonnet-4\": {\"input\": 3, \"output\": 15}}.");
        }
        Prices prices = defaults();
        dev.pacer.anthropic.ModelClasses classes = dev.pacer.anthropic.ModelClasses.defaults();
        for (var e : (Iterable<java.util.Map.Entry<String, JsonNode>>) root::fields) {
            JsonNode v = e.getValue();
            JsonNode in = v.get("input");
            JsonNode out = v.get("output");
            JsonNode cached = v.get("cache_read");
            java.util.Set<String> extra = new java.util.TreeSet<>();
            v.fieldNames().forEachRemaining(extra::add);
            extra.removeAll(java.util.Set.of("input", "output", "cache_read"));
            if (!v.isObject() || in == null || out == null || !in.isNumber() || !out.isNumber() || in.asDouble() < 0 || out.asDouble() < 0
                    || cached != null && (!cached.isNumber() || cached.asDouble() < 0) || !extra.isEmpty()) {
                throw new BatchException("The price table " + file + ": '" + e.getKey() + "' needs \"input\" and \"output\" (and optionally"
                        + " \"cache_read\"), USD per million tokens of 0 or more, like {\"input\": 3, \"output\": 15}"
                        + (extra.isEmpty() ? "" : " (not " + extra + ")") + ".");
            }
            String key = e.getKey().startsWith("claude-") ? classes.classOf(e.getKey()) : e.getKey();
            prices.put(key, cached == null ? new Price(in.asDouble(), out.asDouble())
                    : new Price(in.asDouble(), out.asDouble(), cached.asDouble()));
        }
        return prices;
    }

    /** Sets a class's price. */
    public Prices put(String modelClass, Price price) {
        byClass.put(modelClass, price);
        return this;
    }

    /** The price of a class (unknown classes are priced like Sonnet, and say so in plans). */
    public Price of(String modelClass) {
        Price p = byClass.get(modelClass);
        if (p == null) {
            p = byClass.get(OPENAI_DATE.matcher(modelClass).replaceFirst(""));
        }
        return p != null ? p : new Price(3, 15);
    }

    /** True when the class has a price of its own. */
    public boolean knows(String modelClass) {
        return byClass.containsKey(modelClass) || byClass.containsKey(OPENAI_DATE.matcher(modelClass).replaceFirst(""));
    }

    /**
     * What one live answer of {@code model} cost in USD by its Anthropic-shaped {@code usage} (an OpenAI
     * answer's translated usage has its cached prompt tokens as cache reads), or NaN when the model has
     * no price of its own: a price function for meters ({@code PacerMetrics.Builder#prices}).
     */
    public double ofAnswer(String model, Usage usage) {
        String modelClass = dev.pacer.anthropic.ModelClasses.defaults().classOf(model);
        return knows(modelClass) ? cost(modelClass, usage, false) : Double.NaN;
    }

    /** 5-minute cache writes cost this much of the input price, 1-hour writes {@link #CACHE_WRITE_1H}. */
    static final double CACHE_WRITE_5M = 1.25;
    static final double CACHE_WRITE_1H = 2.0;
    static final double CACHE_READ = 0.1;
    static final double BATCH_DISCOUNT = 0.5;

    /** What {@code usage} costs in USD, every cache write priced as a 5-minute one. */
    public double cost(String modelClass, Usage usage, boolean batch) {
        return cost(modelClass, usage.input(), usage.cacheCreation(), 0, usage.cacheRead(), usage.output(), batch);
    }

    /**
     * What a response's {@code usage} object costs in USD: its {@code cache_creation} split prices
     * 1-hour cache writes at 2x the input price (the rest at 1.25x); without the split every write
     * is a 5-minute one.
     */
    public double cost(String modelClass, JsonNode usage, boolean batch) {
        Usage u = Usage.of(usage);
        long oneHour = Math.min(u.cacheCreation(), Math.max(0, usage.path("cache_creation").path("ephemeral_1h_input_tokens").asLong(0)));
        return cost(modelClass, u.input(), u.cacheCreation() - oneHour, oneHour, u.cacheRead(), u.output(), batch);
    }

    /** The price of tokens by kind; the Batches discount applies to all of them. */
    public double cost(String modelClass, long input, long cacheWrite5m, long cacheWrite1h, long cacheRead, long output, boolean batch) {
        Price p = of(modelClass);
        double usd = (input * p.input() + cacheWrite5m * p.input() * CACHE_WRITE_5M + cacheWrite1h * p.input() * CACHE_WRITE_1H
                + cacheRead * p.cacheRead() + output * p.output()) / 1e6;
        return batch ? usd * BATCH_DISCOUNT : usd;
    }
}
