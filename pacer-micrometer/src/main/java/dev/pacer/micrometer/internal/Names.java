package dev.pacer.micrometer.internal;

import dev.pacer.AttemptDeclined;
import dev.pacer.CapacityExceeded;
import dev.pacer.QuotaWaitExceeded;
import dev.pacer.event.PacerEvent;
import dev.pacer.outcome.OutcomeFamily;
import dev.pacer.route.Target;
import java.util.Locale;
import java.util.concurrent.CancellationException;

/** The bounded names metrics and the status page give to what the engine reports. */
public final class Names {

    private Names() {
    }

    /**
     * The default model class of a target: for a provider that names its pools
     * {@code provider:<fingerprint>:<pool>} (the Anthropic provider does, see {@code AnthropicQuotaKeys}) the
     * pool, which is the model class ({@code sonnet-4}); else the target's model.
     */
    public static String modelClass(Target target) {
        String id = target.quotaKey().id();
        String prefix = target.provider() + ":";
        if (id.startsWith(prefix)) {
            int last = id.lastIndexOf(':');
            if (last > prefix.length()) {
                return id.substring(last + 1);
            }
        }
        return target.model();
    }

    /** A family as a tag value: {@code rate_limited}, {@code overloaded}, ... */
    public static String family(OutcomeFamily family) {
        return family == null ? "none" : family.name().toLowerCase(Locale.ROOT);
    }

    /**
     * How a call ended, bounded: {@code success}, the last attempt's family when the provider refused it
     * ({@code overloaded}, {@code rate_limited}, {@code request_error}...), else {@code quota_wait},
     * {@code capacity}, {@code declined}, {@code cancelled}, or {@code error}.
     */
    public static String callOutcome(PacerEvent.CallEnded ended) {
        if (ended.succeeded()) {
            return "success";
        }
        Throwable failure = ended.failure();
        if (failure instanceof QuotaWaitExceeded) {
            return "quota_wait";
        }
        if (failure instanceof CapacityExceeded) {
            return "capacity";
        }
        if (failure instanceof AttemptDeclined) {
            return "declined";
        }
        if (failure instanceof CancellationException) {
            return "cancelled";
        }
        if (ended.outcome() != null && !ended.outcome().isSuccess()) {
            return family(ended.outcome().family());
        }
        return "error";
    }

    /** An HTTP status as a tag value: the number for 100-599, {@code none} for no answer (a timeout, a reset). */
    public static String status(int status) {
        if (status <= 0) {
            return "none";
        }
        return status >= 100 && status <= 599 ? Integer.toString(status) : "other";
    }
}
