package dev.pacer.sim.internal;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * How many API requests are being answered at once, overall and per API key, and the most there
 * ever were: the proof that a client's concurrency limit holds on the wire.
 *
 * <p>A request counts from its arrival until the last bytes of its answer are handed to the
 * server ({@link Ticket#leave()}, called just before that final write, and again, harmlessly,
 * when the handler ends). Leaving before the final write, not after it, matters: a client that
 * sends its next request the instant it has an answer must not be seen overlapping with it.
 * Invariant: {@code now} is the number of tickets entered and not yet left; {@code max} is the
 * largest {@code now} ever was since the last {@link #clear()} (which keeps the requests in flight).
 */
final class InFlight {

    private final Gauge all = new Gauge();
    private final ConcurrentHashMap<String, Gauge> byKey = new ConcurrentHashMap<>();

    /** A counter of requests in flight and its high-water mark. */
    private static final class Gauge {
        private final AtomicInteger now = new AtomicInteger();
        private final AtomicInteger max = new AtomicInteger();

        void enter() {
            int n = now.incrementAndGet();
            max.accumulateAndGet(n, Math::max);
        }

        void leave() {
            now.decrementAndGet();
        }

        void clear() {
            max.set(now.get());
        }
    }

    /** One request's stay; used by the thread that answers it. */
    final class Ticket {
        private Gauge key;
        private boolean left;

        /** The request is authenticated as {@code keyId}: it counts for that key from now on. */
        synchronized void key(String keyId) {
            if (key == null && !left) {
                key = byKey.computeIfAbsent(keyId, k -> new Gauge());
                key.enter();
            }
        }

        /** The answer is complete (or abandoned); idempotent. */
        synchronized void leave() {
            if (!left) {
                left = true;
                all.leave();
                if (key != null) {
                    key.leave();
                }
            }
        }
    }

    /** A request arrived. */
    Ticket enter() {
        all.enter();
        return new Ticket();
    }

    int now() {
        return all.now.get();
    }

    int max() {
        return all.max.get();
    }

    /** The most requests of each key answered at once (keys with none since the last clear left out). */
    Map<String, Integer> maxByKey() {
        Map<String, Integer> m = new TreeMap<>();
        byKey.forEach((k, g) -> {
            if (g.max.get() > 0) {
                m.put(k, g.max.get());
            }
        });
        return m;
    }

    /** Forgets the high-water marks (down to what is in flight now); gauges are kept, so no request is lost. */
    void clear() {
        all.clear();
        byKey.values().forEach(Gauge::clear);
    }
}
