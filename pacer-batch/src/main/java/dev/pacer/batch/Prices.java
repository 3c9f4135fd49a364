package dev.pacer.batch;

import com.fasterxml.jackson.databind.JsonNode;
import dev.pacer.anthropic.Usage;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * USD per million tokens by model class, with the API's multipliers: 5-minute cache writes at
 * 1.25x the input price, 1-hour cache writes at 2x, cache reads at 0.1x, and the Message Batches
 * API at 50% of everything.
 * The defaults are list prices (late 2026) and can be overridden per class.
 */
public final class Prices {

    /** Input and output USD per million tokens. */
    public record Price(double input, double output) {
    }

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
            java.util.Set<String> extra = new java.util.TreeSet<>();
            v.fieldNames().forEachRemaining(extra::add);
            extra.removeAll(java.util.Set.of("input", "output"));
            if (!v.isObject() || in == null || out == null || !in.isNumber() || !out.isNumber() || in.asDouble() < 0 || out.asDouble() < 0
                    || !extra.isEmpty()) {
                throw new BatchException("The price table " + file + ": '" + e.getKey() + "' needs exactly \"input\" and \"output\", USD per"
                        + " million tokens of 0 or more, like {\"input\": 3, \"output\": 15}" + (extra.isEmpty() ? "" : " (not " + extra + ")") + ".");
            }
            String key = e.getKey().startsWith("claude-") ? classes.classOf(e.getKey()) : e.getKey();
            prices.put(key, new Price(in.asDouble(), out.asDouble()));
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
        return byClass.getOrDefault(modelClass, new Price(3, 15));
    }

    /** True when the class has a price of its own. */
    public boolean knows(String modelClass) {
        return byClass.containsKey(modelClass);
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
                + cacheRead * p.input() * CACHE_READ + output * p.output()) / 1e6;
        return batch ? usd * BATCH_DISCOUNT : usd;
    }
}
