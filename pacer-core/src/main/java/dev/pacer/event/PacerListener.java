package dev.pacer.event;

/**
 * Receives every decision the engine makes, as typed events. Called synchronously on the thread
 * that made the decision: keep it quick; exceptions are swallowed so a listener never breaks a
 * call. Events never contain an API key.
 */
@FunctionalInterface
public interface PacerListener {

    /** Ignores everything. */
    PacerListener NONE = event -> {
    };

    /** One event. */
    void onEvent(PacerEvent event);
}
