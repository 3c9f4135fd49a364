package dev.pacer.batch;

import dev.pacer.anthropic.Usage;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * USD per million tokens by model class, with the API's multipliers: 5-minute cache writes at
 * 1.25x the input price, cache reads at 0.1x, and the Message Batches API at 50% of everything.
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

    /** What {@code usage} costs in USD. */
    public double cost(String modelClass, Usage usage, boolean batch) {
        Price p = of(modelClass);
        double usd = (usage.input() * p.input() + usage.cacheCreation() * p.input() * 1.25 + usage.cacheRead() * p.input() * 0.1
                + usage.output() * p.output()) / 1e6;
        return batch ? usd * 0.5 : usd;
    }
}
