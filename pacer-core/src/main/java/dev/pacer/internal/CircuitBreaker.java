package dev.pacer.internal;

import dev.pacer.breaker.BreakerState;
import dev.pacer.breaker.CircuitBreakerSettings;

import dev.pacer.outcome.OutcomeFamily;
import dev.pacer.time.PacerClock;
import java.time.Duration;

/**
 * A circuit breaker for one target (provider and model). Only provider failures count
 * (overloaded, server error, timeout, connection failure): a 429 is the account's quota, not the
 * target's health, and request errors are the caller's. Thread-safe.
 *
 * <p>CLOSED counts outcomes in a sliding window of the last {@code windowSize} calls and a run of
 * consecutive failures; either threshold opens it. OPEN refuses calls until its period ends,
 * then HALF_OPEN admits up to {@code halfOpenProbes} probes; if every probe succeeds it closes
 * (and the open period resets), any probe failure reopens it for twice as long (capped).
 * Outcomes of calls admitted before a transition are ignored by the new state except as probes.
 */
public final class CircuitBreaker {

    private final CircuitBreakerSettings settings;
    private final PacerClock clock;
    private final TransitionListener onTransition;

    // Guarded by "this".
    private BreakerState state = BreakerState.CLOSED;
    private final boolean[] window;
    private int windowNext;
    private int windowCount;
    private int windowFailures;
    private int consecutive;
    private long openUntil;
    private long currentOpenNanos;
    private int probesInFlight;
    private int probesSucceeded;

    /** Hears each change of state, outside the breaker's lock, with the call and attempt that caused it. */
    @FunctionalInterface
    public interface TransitionListener {
        /** The breaker went from {@code from} to {@code to}; {@code callId} and {@code attempt} are 0 when no call caused it. */
        void onTransition(BreakerState from, BreakerState to, long callId, int attempt);
    }

    /**
     * @param onTransition called after each change, outside the lock
     */
    public CircuitBreaker(CircuitBreakerSettings settings, PacerClock clock, TransitionListener onTransition) {
        this.settings = settings;
        this.clock = clock;
        this.onTransition = onTransition;
        this.window = new boolean[settings.windowSize()];
        this.currentOpenNanos = settings.openDuration().toNanos();
    }

    /** A ticket for one call: whether it may go, and whether it is a half-open probe. */
    public enum Permission {
        /** The breaker is closed. */
        ALLOWED,
        /** A half-open probe. */
        PROBE,
        /** Open (or half-open with every probe slot taken). */
        REFUSED
    }

    /** Asks to send one call. A PROBE must be followed by {@link #onOutcome} with probe = true. */
    public Permission tryAcquire() {
        return tryAcquire(0, 0);
    }

    /** As {@link #tryAcquire()}, for the attempt {@code attempt} of call {@code callId} (named in a transition). */
    public Permission tryAcquire(long callId, int attempt) {
        boolean halfOpened = false;
        Permission permission;
        synchronized (this) {
            if (state == BreakerState.OPEN && clock.nanoTime() - openUntil >= 0) {
                halfOpened = true;
                state = BreakerState.HALF_OPEN;
                probesInFlight = 0;
                probesSucceeded = 0;
            }
            permission = switch (state) {
                case CLOSED -> Permission.ALLOWED;
                case OPEN -> Permission.REFUSED;
                case HALF_OPEN -> {
                    if (probesInFlight + probesSucceeded < settings.halfOpenProbes()) {
                        probesInFlight++;
                        yield Permission.PROBE;
                    }
                    yield Permission.REFUSED;
                }
            };
        }
        if (halfOpened) {
            onTransition.onTransition(BreakerState.OPEN, BreakerState.HALF_OPEN, callId, attempt);
        }
        return permission;
    }

    /** Records how a permitted call ended. Families that are not provider failures count as successes of the target, except 429s and caller errors, which are ignored. */
    public void onOutcome(OutcomeFamily family, boolean probe) {
        onOutcome(family, probe, 0, 0);
    }

    /** As {@link #onOutcome(OutcomeFamily, boolean)}, for the attempt {@code attempt} of call {@code callId}. */
    public void onOutcome(OutcomeFamily family, boolean probe, long callId, int attempt) {
        BreakerState from;
        BreakerState to;
        synchronized (this) {
            from = state;
            boolean ignored = family == OutcomeFamily.RATE_LIMITED || family == OutcomeFamily.SPEND_CAP || family.isCallersFault();
            boolean failure = family.isProviderFailure();
            if (probe && state == BreakerState.HALF_OPEN) {
                probesInFlight = Math.max(0, probesInFlight - 1);
                if (failure) {
                    currentOpenNanos = Math.min(settings.maxOpenDuration().toNanos(), currentOpenNanos * 2);
                    open();
                } else if (!ignored) {
                    probesSucceeded++;
                    if (probesSucceeded >= settings.halfOpenProbes() || probesInFlight == 0) {
                        close();
                    }
                }
            } else if (state == BreakerState.CLOSED && !ignored) {
                record(failure);
                if (shouldOpen()) {
                    open();
                }
            }
            to = state;
        }
        if (from != to) {
            onTransition.onTransition(from, to, callId, attempt);
        }
    }

    /** Gives back a probe that never reached the target (e.g. its quota wait failed). */
    public synchronized void cancelProbe() {
        if (state == BreakerState.HALF_OPEN) {
            probesInFlight = Math.max(0, probesInFlight - 1);
        }
    }

    /** The state now (an expired open period reads as HALF_OPEN only after the next {@link #tryAcquire}). */
    public synchronized BreakerState state() {
        return state;
    }

    /** How long until an open breaker lets a probe through; zero unless open. */
    public synchronized Duration remainingOpen() {
        if (state != BreakerState.OPEN) {
            return Duration.ZERO;
        }
        return Duration.ofNanos(Math.max(0, openUntil - clock.nanoTime()));
    }

    private void record(boolean failure) {
        if (windowCount == window.length) {
            if (window[windowNext]) {
                windowFailures--;
            }
        } else {
            windowCount++;
        }
        window[windowNext] = failure;
        if (failure) {
            windowFailures++;
        }
        windowNext = (windowNext + 1) % window.length;
        consecutive = failure ? consecutive + 1 : 0;
    }

    private boolean shouldOpen() {
        if (consecutive >= settings.consecutiveFailures()) {
            return true;
        }
        return windowCount >= settings.minimumCalls() && windowFailures >= settings.failureRate() * windowCount;
    }

    private void open() {
        state = BreakerState.OPEN;
        openUntil = clock.nanoTime() + currentOpenNanos;
        probesInFlight = 0;
        probesSucceeded = 0;
    }

    private void close() {
        state = BreakerState.CLOSED;
        currentOpenNanos = settings.openDuration().toNanos();
        windowCount = 0;
        windowFailures = 0;
        windowNext = 0;
        consecutive = 0;
    }
}
