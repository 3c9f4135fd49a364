package dev.pacer.sim;

/**
 * The limits of one pool of models (Anthropic pools several ids into one bucket, e.g. every
 * "Sonnet 4.x"), and the largest {@code max_tokens} its models accept.
 *
 * @param name            the class name, e.g. {@code sonnet-4}
 * @param rpm             requests per minute
 * @param itpm            input tokens per minute
 * @param otpm            output tokens per minute
 * @param countCacheReads whether cache reads count toward ITPM (the API's dagger models, e.g. Haiku 3.5)
 * @param maxOutputTokens the model's maximum output: a larger {@code max_tokens} gets 400 {@code invalid_request_error};
 *                        {@link #UNCAPPED} for none (a class whose models differ, or whose maximum is not known)
 */
public record ModelClass(String name, long rpm, long itpm, long otpm, boolean countCacheReads, long maxOutputTokens) {

    /** No maximum output: any {@code max_tokens} is accepted. */
    public static final long UNCAPPED = 0;

    public ModelClass {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("A model class needs a name.");
        }
        if (rpm < 1 || itpm < 1 || otpm < 1) {
            throw new IllegalArgumentException("The limits of model class '" + name + "' must each be at least 1, not rpm="
                    + rpm + ", itpm=" + itpm + ", otpm=" + otpm + ".");
        }
        if (maxOutputTokens < 0) {
            throw new IllegalArgumentException("classes." + name + ".max-output-tokens must be at least 1 (or none), not "
                    + maxOutputTokens + ".");
        }
    }

    /** A class without a maximum output. */
    public ModelClass(String name, long rpm, long itpm, long otpm, boolean countCacheReads) {
        this(name, rpm, itpm, otpm, countCacheReads, UNCAPPED);
    }

    /** The same class with other limits (and the same maximum output: it is the model's, not a limit). */
    public ModelClass withLimits(long newRpm, long newItpm, long newOtpm) {
        return new ModelClass(name, newRpm, newItpm, newOtpm, countCacheReads, maxOutputTokens);
    }

    /** The same class with another maximum output ({@link #UNCAPPED}: none). */
    public ModelClass withMaxOutputTokens(long max) {
        return new ModelClass(name, rpm, itpm, otpm, countCacheReads, max);
    }

    /** Whether {@code max_tokens} is bounded. */
    public boolean capsOutput() {
        return maxOutputTokens != UNCAPPED;
    }
}
