package dev.pacer.route;

import java.util.List;

/**
 * An ordered fallback chain: the first target is preferred, the others are tried in order when it
 * is overloaded, its breaker is open, its quota wait would pass the deadline, or its retries are
 * spent. Never on a request or auth error.
 */
public record Route(List<Target> targets) {

    public Route {
        targets = List.copyOf(targets);
        if (targets.isEmpty()) {
            throw new IllegalArgumentException("A route needs at least one target.");
        }
    }

    /** A route over these targets, in order. */
    public static Route of(Target first, Target... fallbacks) {
        Target[] all = new Target[fallbacks.length + 1];
        all[0] = first;
        System.arraycopy(fallbacks, 0, all, 1, fallbacks.length);
        return new Route(List.of(all));
    }

    /** The preferred target. */
    public Target primary() {
        return targets.get(0);
    }

    /** The number of targets. */
    public int size() {
        return targets.size();
    }

    /** The target at {@code index}. */
    public Target get(int index) {
        return targets.get(index);
    }
}
