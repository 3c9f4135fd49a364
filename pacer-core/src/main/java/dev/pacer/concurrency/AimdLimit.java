package dev.pacer.concurrency;

/**
 * Additive-increase, multiplicative-decrease concurrency (after Netflix concurrency-limits' AIMD):
 * a DROPPED signal (overload, timeout) multiplies the limit by {@code backoffRatio}; a SUCCESS while
 * at least half the limit is in use adds one. Growth only when the limit is being used keeps an
 * idle client from inflating its limit to the maximum and then bursting.
 */
public final class AimdLimit implements ConcurrencyLimit {

    private final Settings settings;

    AimdLimit(Settings settings) {
        this.settings = settings;
    }

    @Override
    public State newState() {
        return new AimdState(settings);
    }

    @Override
    public String toString() {
        return "adaptive" + settings;
    }

    /**
     * AIMD settings.
     *
     * @param initial      the starting limit
     * @param min          the floor
     * @param max          the ceiling
     * @param backoffRatio the factor applied on a drop, in [0.5, 1)
     */
    public record Settings(int initial, int min, int max, double backoffRatio) {
        public Settings {
            if (min < 1) {
                throw new IllegalArgumentException("Adaptive concurrency min must be at least 1, not " + min + ".");
            }
            if (max < min) {
                throw new IllegalArgumentException("Adaptive concurrency max (" + max + ") must be at least min (" + min + ").");
            }
            if (initial < min || initial > max) {
                throw new IllegalArgumentException("Adaptive concurrency initial (" + initial + ") must be between min (" + min + ") and max (" + max + ").");
            }
            if (!(backoffRatio >= 0.5 && backoffRatio < 1)) {
                throw new IllegalArgumentException("Adaptive concurrency backoffRatio must be in [0.5, 1), not " + backoffRatio + ".");
            }
        }

        /** initial 8, min 1, max 256, backoff 0.9. */
        public static Settings defaults() {
            return new Settings(8, 1, 256, 0.9);
        }
    }

    private static final class AimdState implements State {
        private final Settings settings;
        private double limit;

        AimdState(Settings settings) {
            this.settings = settings;
            this.limit = settings.initial();
        }

        @Override
        public int limit() {
            return (int) limit;
        }

        @Override
        public void onSignal(ConcurrencySignal signal, int inFlight) {
            switch (signal) {
                case DROPPED -> limit = Math.max(settings.min(), Math.floor(limit * settings.backoffRatio()));
                case SUCCESS -> {
                    if (inFlight * 2 >= (int) limit) {
                        limit = Math.min(settings.max(), limit + 1);
                    }
                }
                case IGNORE -> {
                }
            }
        }
    }
}
