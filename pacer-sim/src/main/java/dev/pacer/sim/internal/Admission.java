package dev.pacer.sim.internal;

/**
 * What a pool decided about one request.
 *
 * @param admitted       whether every bucket took it
 * @param dimension      the first bucket that refused it ({@code requests}, {@code input_tokens},
 *                       {@code output_tokens}), or null
 * @param perMinute      that bucket's per-minute limit
 * @param waitSeconds    simulated seconds until that bucket could take it
 * @param reservedOutput output tokens held from {@code max_tokens} (reserve mode), to settle at the end
 * @param workspace      the refusing bucket is the workspace's (narrower than the organization's)
 */
record Admission(boolean admitted, String dimension, long perMinute, double waitSeconds, long reservedOutput, boolean workspace) {

    static Admission yes(long reservedOutput) {
        return new Admission(true, null, 0, 0, reservedOutput, false);
    }

    static Admission no(Bucket bucket, double waitSeconds) {
        return new Admission(false, bucket.dimension, bucket.perMinute(), waitSeconds, 0, false);
    }

    /** This refusal, made by a workspace's bucket. */
    Admission inWorkspace() {
        return new Admission(admitted, dimension, perMinute, waitSeconds, reservedOutput, true);
    }

    /** {@code retry-after}: whole simulated seconds, rounded up, at least 1. */
    long retryAfterSeconds() {
        return Math.max(1, (long) Math.ceil(waitSeconds - 1e-9));
    }

    /** The dimension in the words of the API's message. */
    String dimensionWords() {
        return switch (dimension) {
            case Pool.INPUT -> "input tokens";
            case Pool.OUTPUT -> "output tokens";
            default -> "requests";
        };
    }
}
