package dev.pacer.batch;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The one "stop now" of a run, with the reason that came first (Ctrl-C, the cost cap, an
 * unreachable API). Waits that a user may have to sit through — a poll interval, the outstanding
 * limit — wait on it, so a stop is acted on at once rather than at the end of a sleep.
 */
final class StopSignal {

    /** Why a run stopped. */
    enum Reason {
        /** Ctrl-C or SIGTERM. */
        INTERRUPTED,
        /** {@code --max-cost} would be passed by the next request. */
        COST_CAP,
        /** Nothing reached the API for a while. */
        UNREACHABLE
    }

    private final CompletableFuture<Reason> stopped = new CompletableFuture<>();

    /** Stops; returns true for the first caller only (whose reason is kept). */
    boolean set(Reason reason) {
        return stopped.complete(reason);
    }

    boolean isSet() {
        return stopped.isDone();
    }

    /** The first reason, or null while running. */
    Reason reason() {
        return stopped.getNow(null);
    }

    /** Completes when the run is asked to stop. */
    CompletableFuture<Reason> future() {
        return stopped;
    }

    /** Waits up to {@code timeout} for a stop; true when stopped (an interrupt counts as Ctrl-C). */
    boolean await(Duration timeout) {
        try {
            stopped.get(Math.max(1, timeout.toMillis()), TimeUnit.MILLISECONDS);
            return true;
        } catch (TimeoutException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            set(Reason.INTERRUPTED);
            return true;
        } catch (ExecutionException e) {
            return true; // never completed exceptionally
        }
    }
}
