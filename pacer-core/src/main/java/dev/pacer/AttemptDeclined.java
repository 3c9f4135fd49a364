package dev.pacer;

import dev.pacer.route.Target;

/**
 * The call ended before an admitted attempt was sent, because its {@link Attempt} declined to send
 * it ({@link Attempt#declineReason}). Nothing of it reached the provider.
 */
public final class AttemptDeclined extends PacerException {

    private final transient Target target;
    private final String reason;

    public AttemptDeclined(Target target, String reason) {
        super("The attempt on " + target + " was not sent: " + reason + ".");
        this.target = target;
        this.reason = reason;
    }

    /** The target it was admitted on. */
    public Target target() {
        return target;
    }

    /** The attempt's reason. */
    public String reason() {
        return reason;
    }
}
