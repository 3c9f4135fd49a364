package dev.pacer.anthropic.internal;

import dev.pacer.Attempt;
import dev.pacer.AttemptContext;
import dev.pacer.AttemptResult;
import dev.pacer.route.Skip;
import dev.pacer.route.Target;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;

/**
 * An attempt with the caller's hooks around it: {@code declineReason} asked after admission (a
 * non-null answer and nothing is sent or counted: the engine ends the call with
 * {@code AttemptDeclined}), then {@code onSend} run just before the attempt goes out.
 *
 * @param <T> what the attempt returns
 */
public final class CallHooks<T> implements Attempt<T> {

    private final Attempt<T> attempt;
    private final Supplier<String> declineReason;
    private final Runnable onSend;

    private CallHooks(Attempt<T> attempt, Supplier<String> declineReason, Runnable onSend) {
        this.attempt = attempt;
        this.declineReason = declineReason;
        this.onSend = onSend;
    }

    /** {@code attempt} with the hooks (either may be null); {@code attempt} itself when there are none. */
    public static <T> Attempt<T> around(Attempt<T> attempt, Supplier<String> declineReason, Runnable onSend) {
        return declineReason == null && onSend == null ? attempt : new CallHooks<>(attempt, declineReason, onSend);
    }

    @Override
    public String declineReason(AttemptContext context) {
        return declineReason == null ? attempt.declineReason(context) : declineReason.get();
    }

    @Override
    public Skip passOver(Target target) {
        return attempt.passOver(target);
    }

    @Override
    public CompletionStage<AttemptResult<T>> run(AttemptContext context) {
        if (onSend != null) {
            onSend.run();
        }
        return attempt.run(context);
    }
}
