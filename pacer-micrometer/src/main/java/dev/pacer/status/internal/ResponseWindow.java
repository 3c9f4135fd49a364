package dev.pacer.status.internal;

import java.time.Instant;

/**
 * Answers, 429s and 529s over the last 15 minutes of the engine's clock, in 90 buckets of 10 s: a
 * ring indexed by the bucket's number since the epoch, so a bucket older than the window is found
 * stale by its number and counted as empty. Thread-safe (one lock; an answer is three additions).
 */
public final class ResponseWindow {

    /** The length of the window. */
    public static final int WINDOW_SECONDS = 900;
    /** The length of one bucket. */
    public static final int BUCKET_SECONDS = 10;
    private static final int BUCKETS = WINDOW_SECONDS / BUCKET_SECONDS;

    private final long[] number = new long[BUCKETS];
    private final long[] responses = new long[BUCKETS];
    private final long[] rateLimited = new long[BUCKETS];
    private final long[] overloaded = new long[BUCKETS];

    /** One bucket of {@link #buckets}: its start and its counts. */
    public record Bucket(Instant start, long responses, long rateLimited, long overloaded) {
    }

    /** Counts one answer of HTTP status {@code status} (0: none) at {@code at}. */
    public synchronized void record(Instant at, int status) {
        long n = Math.floorDiv(at.getEpochSecond(), BUCKET_SECONDS);
        int i = (int) Math.floorMod(n, BUCKETS);
        if (number[i] != n) {
            number[i] = n;
            responses[i] = 0;
            rateLimited[i] = 0;
            overloaded[i] = 0;
        }
        responses[i]++;
        if (status == 429) {
            rateLimited[i]++;
        } else if (status == 529) {
            overloaded[i]++;
        }
    }

    /** The window's buckets ending with the one holding {@code now}, oldest first (empty ones included). */
    public synchronized Bucket[] buckets(Instant now) {
        long last = Math.floorDiv(now.getEpochSecond(), BUCKET_SECONDS);
        Bucket[] out = new Bucket[BUCKETS];
        for (int k = 0; k < BUCKETS; k++) {
            long n = last - (BUCKETS - 1) + k;
            int i = (int) Math.floorMod(n, BUCKETS);
            Instant start = Instant.ofEpochSecond(n * BUCKET_SECONDS);
            out[k] = number[i] == n ? new Bucket(start, responses[i], rateLimited[i], overloaded[i]) : new Bucket(start, 0, 0, 0);
        }
        return out;
    }
}
