package dev.pacer.gateway.internal;

import com.fasterxml.jackson.databind.JsonNode;
import dev.pacer.batch.Prices;
import dev.pacer.gateway.VirtualKey;
import dev.pacer.gateway.internal.ApiErrors.ApiError;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.DoubleAdder;

/**
 * What each gateway key's calls have cost (USD, at the batch runner's prices, by the usage each
 * answer reported), against its budget. A key whose spend reached its budget is refused before
 * anything goes upstream. Kept across reloads (by key name): a reload does not reset a budget.
 */
public final class SpendLedger {

    private final Prices prices = Prices.defaults();
    private final Map<String, DoubleAdder> spent = new ConcurrentHashMap<>();

    /** The refusal for a key over its budget, or null. */
    public ApiError overBudget(VirtualKey key) {
        if (key == null || key.budgetUsd() <= 0) {
            return null;
        }
        double s = spent(key.name());
        if (s < key.budgetUsd()) {
            return null;
        }
        return ApiErrors.rateLimited(String.format("The gateway key '%s' has spent its budget (%.4f of %.2f USD); ask the"
                + " gateway's operator to raise it.", key.name(), s, key.budgetUsd()), 0);
    }

    /** Adds what a call of {@code key} on {@code modelClass} cost by its {@code usage}. */
    public void charge(VirtualKey key, String modelClass, JsonNode usage) {
        if (key == null || usage == null || usage.isMissingNode() || !prices.knows(modelClass)) {
            return;
        }
        spent.computeIfAbsent(key.name(), n -> new DoubleAdder()).add(prices.cost(modelClass, usage, false));
    }

    /** Adds what a stream of {@code key} on {@code modelClass} cost by the usage it carried. */
    public void charge(VirtualKey key, String modelClass, dev.pacer.anthropic.Usage usage) {
        if (key == null || usage == null || !prices.knows(modelClass)) {
            return;
        }
        spent.computeIfAbsent(key.name(), n -> new DoubleAdder()).add(prices.cost(modelClass, usage, false));
    }

    public double spent(String keyName) {
        DoubleAdder a = spent.get(keyName);
        return a == null ? 0 : a.sum();
    }
}
