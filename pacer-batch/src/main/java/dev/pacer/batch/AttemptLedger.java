package dev.pacer.batch;

import dev.pacer.event.PacerEvent;
import dev.pacer.event.PacerListener;
import dev.pacer.route.Target;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * A live run's account of what the engine did, from its call-scoped events: attempts, retries,
 * fallbacks, 429s and 529s on the wire, and what each quota pool was charged.
 *
 * <p>An attempt is an {@code AttemptStarted}: one the run declined (stopping, the cost cap) never
 * starts, so it is not counted. A retry is every attempt after a call's first on the same target,
 * whatever failed before it: a 429, a 529, a connection that failed or timed out, or the breaker
 * letting the call back to a target it had already tried. That takes the call's own history (its
 * {@code callId}): the engine's attempt-on-target number cannot tell, since it stays put across 429
 * retries and starts again when a call comes back after every breaker was open. A fallback is a
 * move to a next target; the first attempt there is not a retry.
 *
 * <p>Invariant: {@code tried} holds, for each call that started an attempt and has not been seen to
 * end, the targets it was sent to. A call is seen to end at its {@code Settled} event (a success)
 * or when it declines an attempt; the entry of a call that fails stays until the run ends, a few
 * words per failed request (the results file's index holds as much for its errored line). No event
 * says that a failed call ended, nor does a result carry its call id: this is where one would end it.
 */
final class AttemptLedger implements PacerListener {

    private final Tally tally;
    private final Function<Target, String> poolOf;
    private final Map<Long, Set<Target>> tried = new ConcurrentHashMap<>();

    /** {@code poolOf}: the name of the quota pool a target draws from, for the progress line and the summary. */
    AttemptLedger(Tally tally, Function<Target, String> poolOf) {
        this.tally = tally;
        this.poolOf = poolOf;
    }

    @Override
    public void onEvent(PacerEvent event) {
        switch (event) {
            case PacerEvent.AttemptStarted started -> {
                tally.attempts.incrementAndGet();
                // One step of a call runs at a time, so a call's own set is never written at once by two threads.
                if (!tried.computeIfAbsent(started.callId(), id -> ConcurrentHashMap.newKeySet()).add(started.target())) {
                    tally.retries.incrementAndGet();
                }
            }
            case PacerEvent.AttemptFinished finished -> {
                if (finished.outcome().status() == 429) {
                    tally.wire429.incrementAndGet();
                } else if (finished.outcome().status() == 529) {
                    tally.wire529.incrementAndGet();
                }
            }
            case PacerEvent.FallbackTaken fallback when fallback.to() != null -> tally.fallbacks.incrementAndGet();
            case PacerEvent.Settled settled -> {
                tally.pool(settled.target().quotaKey(), poolOf.apply(settled.target())).add(settled.actual());
                tried.remove(settled.callId());
            }
            case PacerEvent.AttemptDeclined declined -> tried.remove(declined.callId());
            default -> {
                // not counted
            }
        }
    }

    /** Calls with an entry in {@code tried} (for tests of the invariant). */
    int callsTracked() {
        return tried.size();
    }
}
