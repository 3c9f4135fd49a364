package dev.pacer.anthropic;

import dev.pacer.Attempt;
import dev.pacer.AttemptContext;
import dev.pacer.AttemptResult;
import dev.pacer.CallSpec;
import dev.pacer.route.Route;
import dev.pacer.route.Skip;
import dev.pacer.route.Target;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletionStage;
import java.util.function.BiFunction;

/**
 * A Messages call's route with other providers' targets after its Anthropic models: the spec to run
 * (each target's cost asked of its owner) and the attempt that sends each target's way. What
 * {@link AnthropicPacer} uses, and what a gateway needs to put a mixed chain behind its relay:
 *
 * <pre>{@code
 * MessagesRoute route = MessagesRoute.of(call, fallbacks);
 * pacer.execute(route.spec(), route.attempt(relayToAnthropic, (fallback, ctx) -> fallback.send(call, ctx)));
 * }</pre>
 */
public final class MessagesRoute {

    private final MessagesCall call;
    private final Map<Target, MessagesFallback> fallbacks = new LinkedHashMap<>();
    private final CallSpec spec;

    private MessagesRoute(MessagesCall call, List<MessagesFallback> others) {
        this.call = call;
        List<Target> targets = new ArrayList<>(call.spec().route().targets());
        for (MessagesFallback f : others) {
            Target t = f.target();
            if (!targets.contains(t)) {
                targets.add(t);
                fallbacks.put(t, f);
            }
        }
        CallSpec base = call.spec();
        this.spec = fallbacks.isEmpty() ? base : CallSpec.builder().route(new Route(targets)).priority(base.priority())
                .deadline(base.deadline()).cost(t -> {
                    MessagesFallback f = fallbacks.get(t);
                    return f != null ? f.cost(call) : base.cost().apply(t);
                }).build();
    }

    /** {@code call}'s route followed by {@code fallbacks}' targets, in order (a target already present is not added twice). */
    public static MessagesRoute of(MessagesCall call, List<MessagesFallback> fallbacks) {
        return new MessagesRoute(Objects.requireNonNull(call, "call"), List.copyOf(fallbacks));
    }

    /** What to hand {@code Pacer.execute}. */
    public CallSpec spec() {
        return spec;
    }

    /** The fallback that owns {@code target}, or null for the call's own Anthropic targets. */
    public MessagesFallback fallbackFor(Target target) {
        return fallbacks.get(target);
    }

    /**
     * An attempt that runs {@code anthropic} on the call's Anthropic targets and {@code other} on a
     * fallback's, and passes over the targets their fallback declines ({@link MessagesFallback#passOver}).
     */
    public <T> Attempt<T> attempt(Attempt<T> anthropic,
                                  BiFunction<MessagesFallback, AttemptContext, CompletionStage<AttemptResult<T>>> other) {
        if (fallbacks.isEmpty()) {
            return anthropic;
        }
        return new Attempt<>() {
            @Override
            public CompletionStage<AttemptResult<T>> run(AttemptContext context) {
                MessagesFallback f = fallbacks.get(context.target());
                return f == null ? anthropic.run(context) : other.apply(f, context);
            }

            @Override
            public String declineReason(AttemptContext context) {
                return anthropic.declineReason(context);
            }

            @Override
            public Skip passOver(Target target) {
                MessagesFallback f = fallbacks.get(target);
                return f == null ? anthropic.passOver(target) : f.passOver(call);
            }
        };
    }
}
