package dev.pacer.quota;

import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * Something a provider limits per unit of time: requests, input tokens, output tokens, and any
 * other dimension a provider may add. Each dimension has a small dense {@link #index()} so that
 * amounts can be kept in plain arrays on the hot path.
 *
 * <p>Dimensions are interned: {@code Dimension.of("requests") == Dimension.REQUESTS}.
 */
public final class Dimension {

    private static final Pattern NAME = Pattern.compile("[a-z][a-z0-9_-]{0,39}");
    private static final Map<String, Dimension> BY_NAME = new ConcurrentHashMap<>();
    private static final Object CREATING = new Object();
    /** Copied on write (dimensions are few and created once); read without a lock on the hot path. */
    private static volatile Dimension[] byIndex = new Dimension[0];

    /** Requests per minute (RPM). */
    public static final Dimension REQUESTS = of("requests");
    /** Input tokens per minute (ITPM). */
    public static final Dimension INPUT_TOKENS = of("input_tokens");
    /** Output tokens per minute (OTPM). */
    public static final Dimension OUTPUT_TOKENS = of("output_tokens");

    private final String name;
    private final int index;

    private Dimension(String name, int index) {
        this.name = name;
        this.index = index;
    }

    /**
     * The dimension with this name, created on first use.
     *
     * @param name lower-case letters, digits, '_' or '-', starting with a letter, at most 40 characters
     */
    public static Dimension of(String name) {
        Dimension known = BY_NAME.get(name);
        if (known != null) {
            return known;
        }
        if (name == null || !NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("Dimension name '" + name
                    + "' is invalid: use lower-case letters, digits, '_' or '-', starting with a letter (at most 40 characters).");
        }
        synchronized (CREATING) {
            return BY_NAME.computeIfAbsent(name, n -> {
                Dimension[] all = byIndex;
                Dimension created = new Dimension(n, all.length);
                Dimension[] grown = Arrays.copyOf(all, all.length + 1);
                grown[all.length] = created;
                byIndex = grown;
                return created;
            });
        }
    }

    /** The number of dimensions created so far; every index is below it. */
    public static int count() {
        return byIndex.length;
    }

    /** The dimension with this {@link #index()}. */
    public static Dimension byIndex(int index) {
        return byIndex[index];
    }

    /** The name, e.g. {@code input_tokens}. */
    public String name() {
        return name;
    }

    /** A small dense number, stable for the life of the JVM. */
    public int index() {
        return index;
    }

    @Override
    public String toString() {
        return name;
    }
}
