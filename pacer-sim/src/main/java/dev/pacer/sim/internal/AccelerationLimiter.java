package dev.pacer.sim.internal;

import dev.pacer.sim.SimSettings;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Refuses sharp ramps of traffic, as the API's undocumented acceleration limits do: per pool it
 * counts admitted requests (refused ones are no usage) per simulated second and compares the
 * rate of the last {@code window} seconds (this request included) with the rate of the
 * {@code baseline} seconds before, never taken below {@code floor} × the RPM limit. A window in
 * which nothing was admitted is never a ramp, whatever the figures. The thresholds are invented;
 * the settings expose them.
 */
final class AccelerationLimiter {

    private final ConcurrentHashMap<String, History> histories = new ConcurrentHashMap<>();

    /** True when one more request now would be a sharp ramp. Nothing is counted: see {@link #admitted}. */
    boolean sharpRamp(String poolId, double now, SimSettings.Acceleration a, long rpm) {
        return histories.computeIfAbsent(poolId, k -> new History()).wouldRamp(now, a, rpm);
    }

    /**
     * Counts a request the rate limits admitted. Only those are usage: counting refused ones too
     * made a client that retries its 429s quickly look like a ramp, and refused it twice over.
     */
    void admitted(String poolId, double now) {
        histories.computeIfAbsent(poolId, k -> new History()).count(now);
    }

    void clear() {
        histories.clear();
    }

    /** Requests per simulated second in a ring of slots. */
    private static final class History {
        private final long[] slots = new long[3_700];
        private long lastSecond = Long.MIN_VALUE;

        synchronized boolean wouldRamp(double now, SimSettings.Acceleration a, long rpm) {
            long second = advance(now);
            int window = (int) a.windowSeconds();
            int baseline = (int) a.baselineSeconds();
            long inWindow = 0;
            for (int i = 0; i < window; i++) {
                inWindow += slots[slot(second - i)];
            }
            // One request after none is no ramp. Below about 6 RPM at the default factor and floor, the
            // floor's allowance is less than one request per window, and the very first request was refused.
            if (inWindow == 0) {
                return false;
            }
            long recent = inWindow + 1;
            long before = 0;
            for (int i = window; i < window + baseline; i++) {
                before += slots[slot(second - i)];
            }
            double baselineRate = Math.max((double) before / baseline, a.floor() * rpm / 60.0);
            return (double) recent / window > a.factor() * baselineRate;
        }

        synchronized void count(double now) {
            slots[slot(advance(now))]++;
        }

        /** Moves the ring to {@code now}'s second, emptying the seconds passed since; returns that second. */
        private long advance(double now) {
            long second = (long) Math.floor(now);
            if (lastSecond == Long.MIN_VALUE) {
                lastSecond = second;
            }
            for (long s = lastSecond + 1; s <= second && s - lastSecond <= slots.length; s++) {
                slots[slot(s)] = 0;
            }
            lastSecond = Math.max(lastSecond, second);
            return second;
        }

        private int slot(long second) {
            return (int) Math.floorMod(second, (long) slots.length);
        }
    }
}
