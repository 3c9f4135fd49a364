package dev.pacer.batch;

import dev.pacer.event.PacerEvent;
import dev.pacer.event.PacerListener;
import dev.pacer.outcome.OutcomeFamily;
import java.time.Duration;
import java.time.Instant;
import java.util.function.Consumer;

/**
 * Tells a live run that the API has never answered: {@link #ATTEMPTS} attempts got no answer at
 * all (a connection that failed or timed out), spread over at least {@link #SPAN} of the run's
 * clock, and no attempt got one. An answer of any status, even an error, means the API is there,
 * and from then on this never fires.
 *
 * <p>Counted by attempt, from the engine's events, not by request: against an API that does not
 * answer the circuit breaker soon holds every request back and lets only its probes through, so a
 * request spends its four attempts minutes apart; counted by request ended, a run against a port
 * nobody listens on had not stopped after 150 s (14 requests, 24 attempts). The span keeps one
 * burst of first attempts that all fail at once (a blip as the run starts) from ending a run.
 */
final class ApiSilence implements PacerListener {

    static final int ATTEMPTS = 8;
    static final Duration SPAN = Duration.ofSeconds(10);

    private final Consumer<OutcomeFamily> onSilent;
    /** Under {@code this}. */
    private int unanswered;
    private Instant firstUnanswered;
    private boolean answered;
    private boolean told;

    /** {@code onSilent} hears, once, how the last attempt failed. */
    ApiSilence(Consumer<OutcomeFamily> onSilent) {
        this.onSilent = onSilent;
    }

    @Override
    public void onEvent(PacerEvent event) {
        if (!(event instanceof PacerEvent.AttemptFinished finished)) {
            return;
        }
        OutcomeFamily family = finished.outcome().family();
        synchronized (this) {
            if (finished.outcome().status() > 0) {
                answered = true;
                return;
            }
            if (answered || told || (family != OutcomeFamily.CONNECTION_FAILURE && family != OutcomeFamily.TIMEOUT)) {
                return;
            }
            unanswered++;
            if (firstUnanswered == null) {
                firstUnanswered = finished.at();
            }
            if (unanswered < ATTEMPTS || Duration.between(firstUnanswered, finished.at()).compareTo(SPAN) < 0) {
                return;
            }
            told = true;
        }
        onSilent.accept(family);
    }
}
