package dev.pacer;

/** The base of every error Pacer raises. Messages are one sentence and never contain a secret. */
public class PacerException extends RuntimeException {

    public PacerException(String message) {
        super(message);
    }

    public PacerException(String message, Throwable cause) {
        super(message, cause);
    }
}
