package dev.pacer.concurrency;

/**
 * How many calls may be in flight for one quota key at once. A slot is part of the admission
 * decision: a call is admitted only when a slot is free and every quota dimension can take it,
 * and it holds the slot until it is settled or released (a stream, until it ends).
 *
 * <p>This is a specification; each quota key gets its own {@link State} from {@link #newState()}.
 */
public sealed interface ConcurrencyLimit permits ConcurrencyLimit.Unlimited, ConcurrencyLimit.Fixed, AimdLimit {

    /** No limit on calls in flight. */
    static ConcurrencyLimit unlimited() {
        return Unlimited.INSTANCE;
    }

    /** At most {@code limit} calls in flight. */
    static ConcurrencyLimit fixed(int limit) {
        if (limit < 1) {
            throw new IllegalArgumentException("A fixed concurrency limit must be at least 1, not " + limit + ".");
        }
        return new Fixed(limit);
    }

    /** An adaptive limit: additive increase on success, multiplicative decrease on overload or timeout. */
    static ConcurrencyLimit adaptive(AimdLimit.Settings settings) {
        return new AimdLimit(settings);
    }

    /** A fresh state for one quota key. */
    State newState();

    /** The per-key state; guarded by its quota key's lock, so not thread-safe on its own. */
    interface State {
        /** The current limit ({@link Integer#MAX_VALUE} when unlimited). */
        int limit();

        /** Feeds back how a call ended; {@code inFlight} counts that call. */
        void onSignal(ConcurrencySignal signal, int inFlight);
    }

    /** No limit. */
    final class Unlimited implements ConcurrencyLimit, State {
        static final Unlimited INSTANCE = new Unlimited();

        private Unlimited() {
        }

        @Override
        public State newState() {
            return this;
        }

        @Override
        public int limit() {
            return Integer.MAX_VALUE;
        }

        @Override
        public void onSignal(ConcurrencySignal signal, int inFlight) {
        }

        @Override
        public String toString() {
            return "unlimited";
        }
    }

    /** A fixed limit. */
    record Fixed(int limit) implements ConcurrencyLimit, State {
        @Override
        public State newState() {
            return this;
        }

        @Override
        public void onSignal(ConcurrencySignal signal, int inFlight) {
        }
    }
}
