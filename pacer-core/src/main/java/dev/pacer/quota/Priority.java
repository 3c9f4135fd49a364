package dev.pacer.quota;

/**
 * Admission class. Within a quota key, a waiting call of a higher class is admitted before any
 * call of a lower class; within a class, first come first served.
 */
public enum Priority {
    /** A user is waiting. */
    INTERACTIVE,
    /** The default. */
    NORMAL,
    /** Bulk work that can wait: batch jobs, evaluations. */
    BULK
}
