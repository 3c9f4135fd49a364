package dev.pacer.route;

import dev.pacer.outcome.Outcome;

/**
 * A target the call moved past, and why.
 *
 * @param target  the target
 * @param reason  why
 * @param outcome the last outcome on it, or null when it was never attempted
 */
public record Skip(Target target, SkipReason reason, Outcome outcome) {
}
