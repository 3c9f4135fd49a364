package dev.pacer.internal;

/** Calls listeners so that none can break admission. */
final class Listeners {

    private Listeners() {
    }

    /** Runs {@code event}, swallowing what it throws: a listener must never break admission. */
    static void notifySafely(Runnable event) {
        try {
            event.run();
        } catch (RuntimeException ignored) {
            // A listener must never break admission.
        }
    }
}
