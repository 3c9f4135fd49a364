package dev.pacer.batch;

/** A problem the user must fix (bad input, bad options), worded as one sentence. */
public final class BatchException extends RuntimeException {

    public BatchException(String message) {
        super(message, null, false, false);
    }
}
