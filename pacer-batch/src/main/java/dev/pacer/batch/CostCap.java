package dev.pacer.batch;

import dev.pacer.anthropic.ModelClasses;
import dev.pacer.anthropic.TokenEstimator;
import dev.pacer.anthropic.Usage;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.DoubleSupplier;

/**
 * {@code --max-cost}, for both ways of running: work goes out only if what was spent, plus the
 * worst case of the work already out and not yet ended, plus the worst case of this work, stays
 * within the cap. The unit of work is a request for live calls ({@link LiveRun}, held under its
 * {@code custom_id}) and a batch for the Batches API ({@link BatchesRun}, under its batch id).
 *
 * <p>The worst case of a request is its estimated input plus {@code max_tokens} of output, all
 * input priced as uncached, at the dearest model it may end up on (its own or a fallback; the
 * Batches API never falls back) and at the price of the way it goes (the Batches API's is half).
 * What was spent only grows, and a commitment is released only after its real cost has been
 * added to it, so the sum never dips below what can still be charged.
 *
 * <p>Invariant, under {@code this}: {@code committedUsd} is the sum of {@code committed}. Without
 * a cap every commitment is accepted (and still recorded, so {@link #holds} answers the same).
 */
final class CostCap {

    private final Double capUsd;
    private final Prices prices;
    private final List<String> fallbackModels;
    private final boolean batchPrice;
    private final DoubleSupplier spent;
    private final ModelClasses classes = ModelClasses.defaults();
    private final TokenEstimator estimator = TokenEstimator.defaults();

    private final Map<String, Double> committed = new HashMap<>();
    private double committedUsd;

    private CostCap(Double capUsd, Prices prices, List<String> fallbackModels, boolean batchPrice, DoubleSupplier spent) {
        this.capUsd = capUsd;
        this.prices = prices;
        this.fallbackModels = List.copyOf(fallbackModels);
        this.batchPrice = batchPrice;
        this.spent = spent;
    }

    /** The cap of a live run: full price, at the dearest of a request's model and the fallbacks. */
    static CostCap live(RunOptions options, Tally tally) {
        return new CostCap(options.maxCostUsd(), options.prices(), options.fallbackModels(), false, tally.cost::sum);
    }

    /** The cap of a Batches API run: half price, each request on its own model. */
    static CostCap batches(RunOptions options, Tally tally) {
        return new CostCap(options.maxCostUsd(), options.prices(), List.of(), true, tally.cost::sum);
    }

    /** The cap in USD, or null when there is none. */
    Double usd() {
        return capUsd;
    }

    /** What this run has spent so far. */
    double spent() {
        return spent.getAsDouble();
    }

    /** The worst case of the work out and not yet ended. */
    synchronized double committed() {
        return committedUsd;
    }

    /** Whether work is committed under {@code holder}. */
    synchronized boolean holds(String holder) {
        return committed.containsKey(holder);
    }

    /**
     * Commits the worst case of {@code items} under {@code holder} when it fits under the cap (true),
     * else commits nothing (false). A holder already committed is left as it is (true): a retry of a
     * request already out costs no more than its worst case.
     */
    synchronized boolean tryCommit(String holder, List<BatchInput.Item> items) {
        if (committed.containsKey(holder)) {
            return true;
        }
        double worst = worstCase(items);
        if (capUsd != null && spent() + committedUsd + worst > capUsd) {
            return false;
        }
        add(holder, worst);
        return true;
    }

    /** Records work already out (a batch created by an earlier run, or just now), whether it fits or not. */
    synchronized void hold(String holder, List<BatchInput.Item> items) {
        release(holder);
        add(holder, worstCase(items));
    }

    /** The longest prefix of {@code items} that fits under the cap at its worst case; commits nothing. */
    synchronized List<BatchInput.Item> affordablePrefix(List<BatchInput.Item> items) {
        if (capUsd == null) {
            return items;
        }
        double room = capUsd - spent() - committedUsd;
        int n = 0;
        for (BatchInput.Item item : items) {
            double worst = worstCase(item);
            if (worst > room) {
                break;
            }
            room -= worst;
            n++;
        }
        return items.subList(0, n);
    }

    /** The work under {@code holder} ended (its real cost is already in what was spent). */
    synchronized void release(String holder) {
        Double worst = committed.remove(holder);
        if (worst != null) {
            committedUsd -= worst;
        }
    }

    private void add(String holder, double worst) {
        committed.put(holder, worst);
        committedUsd += worst;
    }

    private double worstCase(List<BatchInput.Item> items) {
        double usd = 0;
        for (BatchInput.Item item : items) {
            usd += worstCase(item);
        }
        return usd;
    }

    /** The most {@code item} can cost (see the class comment). */
    double worstCase(BatchInput.Item item) {
        String model = item.params().path("model").asText();
        long input = Math.round(estimator.estimate(classes.classOf(model), item.params()).rawInput());
        Usage worst = new Usage(input, 0, 0, item.params().path("max_tokens").asLong());
        double most = prices.cost(classes.classOf(model), worst, batchPrice);
        for (String fallback : fallbackModels) {
            most = Math.max(most, prices.cost(classes.classOf(fallback), worst, batchPrice));
        }
        return most;
    }
}
