package dev.pacer.sim;

/**
 * A pool of rate limits shared by several model ids (Anthropic pools e.g. all Sonnet 4.x ids).
 *
 * @param name             the class name, e.g. {@code sonnet-4}
 * @param rpm              requests per minute
 * @param itpm             input tokens per minute
 * @param otpm             output tokens per minute
 * @param countCacheReads  whether cache reads count toward ITPM (the API's dagger models)
 */
public record ModelClass(String name, long rpm, long itpm, long otpm, boolean countCacheReads) {

    public ModelClass {
        if (rpm < 1 || itpm < 1 || otpm < 1) {
            throw new IllegalArgumentException("Limits of model class '" + name + "' must be at least 1 (rpm=" + rpm
                    + ", itpm=" + itpm + ", otpm=" + otpm + ").");
        }
    }

    /** The same class with other limits. */
    public ModelClass withLimits(long rpm, long itpm, long otpm) {
        return new ModelClass(name, rpm, itpm, otpm, countCacheReads);
    }
}
