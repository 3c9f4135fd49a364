package dev.pacer;

import dev.pacer.quota.Cost;
import dev.pacer.route.Target;
import java.time.Instant;

/**
 * What an {@link Attempt} needs to know.
 *
 * @param callId          the call's number in its {@code Pacer}, from 1 (its events carry it too)
 * @param target          where to send it (its model may differ from the caller's: a fallback)
 * @param attempt         the attempt number over the whole call, from 1
 * @param attemptOnTarget the attempt number on this target, from 1
 * @param reserved        the quota reserved for it
 * @param deadline        the call's deadline, or null
 */
public record AttemptContext(long callId, Target target, int attempt, int attemptOnTarget, Cost reserved, Instant deadline) {
}
