package dev.pacer.micrometer;

import dev.pacer.anthropic.Usage;

/**
 * What one answer cost in USD, for the {@code pacer.cost} meter: the engine knows no prices, so a binding is
 * given a price function ({@link PacerMetrics.Builder#prices}). pacer-batch's list prices are one, for
 * Anthropic and OpenAI models alike: {@code PacerMetrics.builder().prices(Prices.defaults()::ofAnswer)}.
 */
@FunctionalInterface
public interface AnswerPrice {

    /**
     * USD for an answer of {@code model} (the model that answered, e.g. {@code claude-haiku-4-5} or
     * {@code gpt-4o-mini}) with this Anthropic-shaped {@code usage}; NaN when the model has no price, and
     * then nothing is counted. Called on the answering thread: must not block.
     */
    double usd(String model, Usage usage);
}
