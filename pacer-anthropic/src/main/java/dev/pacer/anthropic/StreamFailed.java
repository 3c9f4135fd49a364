package dev.pacer.anthropic;

import dev.pacer.PacerException;
import dev.pacer.outcome.Outcome;

/**
 * A {@link MessageStream} broke off after it had begun: a mid-stream {@code event: error} (its
 * {@code error.type} in {@link #outcome()}, e.g. {@code overloaded_error}), a dropped connection,
 * or a body that ended without {@code message_stop}. It was not retried, because part of the answer
 * had already been read; what was read is in {@link #usage()}. To go on, send the request again
 * (for older models with the partial answer as a prefill, for newer ones with a request to continue).
 */
public final class StreamFailed extends PacerException {

    private final transient Outcome outcome;
    private final String model;
    private final Usage usage;

    StreamFailed(String model, int events, Outcome outcome, Usage usage, Throwable cause) {
        super("The stream from " + model + " broke off after " + events + (events == 1 ? " event: " : " events: ")
                + outcome.describe() + "; it was not retried, because part of it had been read.", cause);
        this.outcome = outcome;
        this.model = model;
        this.usage = usage;
    }

    /** How it broke off: family ({@code OVERLOADED}, {@code SERVER_ERROR}...), error type, message with the request id. */
    public Outcome outcome() {
        return outcome;
    }

    /** The model that was answering. */
    public String model() {
        return model;
    }

    /** What the stream had cost when it broke off (what it was settled on). */
    public Usage usage() {
        return usage;
    }
}
