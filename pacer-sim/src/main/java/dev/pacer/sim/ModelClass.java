package dev.pacer.sim;

/**
 * The limits of one pool of models (Anthropic pools several ids into one bucket, e.g. every
 * "Sonnet 4.x").
 *
 * @param name            the class name, e.g. {@code sonnet-4}
 * @param rpm             requests per minute
 * @param itpm            input tokens per minute
 * @param otpm            output tokens per minute
 * @param countCacheReads whether cache reads count toward ITPM (the API's dagger models, e.g. Haiku 3.5)
 */
public record ModelClass(String name, long rpm, long itpm, long otpm, boolean countCacheReads) {

    public ModelClass {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("A model class needs a name.");
        }
        if (rpm < 1 || itpm < 1 || otpm < 1) {
            throw new IllegalArgumentException("The limits of model class '" + name + "' must each be at least 1, not rpm="
                    + rpm + ", itpm=" + itpm + ", otpm=" + otpm + ".");
        }
    }

    /** The same class with other limits. */
    public ModelClass withLimits(long newRpm, long newItpm, long newOtpm) {
        return new ModelClass(name, newRpm, newItpm, newOtpm, countCacheReads);
    }
}
