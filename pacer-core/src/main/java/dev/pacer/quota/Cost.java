package dev.pacer.quota;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Immutable amounts per {@link Dimension}: what a call is estimated to take, or what it took.
 * Backed by a {@code long[]} indexed by {@link Dimension#index()}, so reserving and settling
 * need no maps and no boxing.
 */
public final class Cost {

    /** Nothing in any dimension. */
    public static final Cost ZERO = new Cost(new long[0]);

    private final long[] amounts;

    private Cost(long[] amounts) {
        this.amounts = amounts;
    }

    /** One dimension. */
    public static Cost of(Dimension dimension, long amount) {
        long[] a = new long[dimension.index() + 1];
        a[dimension.index()] = checked(dimension, amount);
        return new Cost(a);
    }

    /** Two dimensions. */
    public static Cost of(Dimension d1, long a1, Dimension d2, long a2) {
        return builder().add(d1, a1).add(d2, a2).build();
    }

    /** Three dimensions. */
    public static Cost of(Dimension d1, long a1, Dimension d2, long a2, Dimension d3, long a3) {
        return builder().add(d1, a1).add(d2, a2).add(d3, a3).build();
    }

    /** The common shape of an LLM call: requests, input tokens, output tokens. */
    public static Cost requests(long requests, long inputTokens, long outputTokens) {
        long[] a = new long[3];
        a[Dimension.REQUESTS.index()] = checked(Dimension.REQUESTS, requests);
        a[Dimension.INPUT_TOKENS.index()] = checked(Dimension.INPUT_TOKENS, inputTokens);
        a[Dimension.OUTPUT_TOKENS.index()] = checked(Dimension.OUTPUT_TOKENS, outputTokens);
        return new Cost(a);
    }

    /** A builder for costs over any dimensions. */
    public static Builder builder() {
        return new Builder();
    }

    /** The amount in {@code dimension}; 0 when absent. */
    public long get(Dimension dimension) {
        int i = dimension.index();
        return i < amounts.length ? amounts[i] : 0;
    }

    /** The amount at dimension index {@code index} (see {@link Dimension#index()}); 0 past {@link #width()}. For stores. */
    public long at(int index) {
        return index < amounts.length ? amounts[index] : 0;
    }

    /** One more than the highest dimension index this cost holds. For stores. */
    public int width() {
        return amounts.length;
    }

    /** Sum per dimension. */
    public Cost plus(Cost other) {
        long[] a = Arrays.copyOf(amounts, Math.max(amounts.length, other.amounts.length));
        for (int i = 0; i < other.amounts.length; i++) {
            a[i] += other.amounts[i];
        }
        return new Cost(a);
    }

    /** Difference per dimension, floored at zero. */
    public Cost minus(Cost other) {
        long[] a = Arrays.copyOf(amounts, amounts.length);
        for (int i = 0; i < a.length; i++) {
            a[i] = Math.max(0, a[i] - other.at(i));
        }
        return new Cost(a);
    }

    /** This cost with one dimension replaced. */
    public Cost with(Dimension dimension, long amount) {
        long[] a = Arrays.copyOf(amounts, Math.max(amounts.length, dimension.index() + 1));
        a[dimension.index()] = checked(dimension, amount);
        return new Cost(a);
    }

    /** True when every amount is zero. */
    public boolean isZero() {
        for (long amount : amounts) {
            if (amount != 0) {
                return false;
            }
        }
        return true;
    }

    /** The non-zero amounts by dimension, in index order. */
    public Map<Dimension, Long> asMap() {
        Map<Dimension, Long> map = new LinkedHashMap<>();
        for (int i = 0; i < amounts.length; i++) {
            if (amounts[i] != 0) {
                map.put(Dimension.byIndex(i), amounts[i]);
            }
        }
        return map;
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof Cost other)) {
            return false;
        }
        int n = Math.max(amounts.length, other.amounts.length);
        for (int i = 0; i < n; i++) {
            if (at(i) != other.at(i)) {
                return false;
            }
        }
        return true;
    }

    @Override
    public int hashCode() {
        int h = 1;
        int last = amounts.length - 1;
        while (last >= 0 && amounts[last] == 0) {
            last--;
        }
        for (int i = 0; i <= last; i++) {
            h = 31 * h + Long.hashCode(amounts[i]);
        }
        return h;
    }

    @Override
    public String toString() {
        return asMap().toString();
    }

    private static long checked(Dimension dimension, long amount) {
        if (amount < 0) {
            throw new IllegalArgumentException("Cost in " + dimension + " must be zero or more, not " + amount + ".");
        }
        return amount;
    }

    /** Builds a {@link Cost}. */
    public static final class Builder {
        private long[] amounts = new long[3];

        private Builder() {
        }

        /** Adds {@code amount} to {@code dimension}. */
        public Builder add(Dimension dimension, long amount) {
            checked(dimension, amount);
            if (dimension.index() >= amounts.length) {
                amounts = Arrays.copyOf(amounts, dimension.index() + 1);
            }
            amounts[dimension.index()] += amount;
            return this;
        }

        /** The cost. */
        public Cost build() {
            return new Cost(amounts.clone());
        }
    }
}
