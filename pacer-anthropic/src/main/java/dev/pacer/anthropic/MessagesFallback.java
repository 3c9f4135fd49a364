package dev.pacer.anthropic;

import com.fasterxml.jackson.databind.JsonNode;
import dev.pacer.AttemptContext;
import dev.pacer.AttemptResult;
import dev.pacer.quota.Cost;
import dev.pacer.route.Skip;
import dev.pacer.route.Target;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;

/**
 * A target of another provider that a Messages call can fall back to, answering in the Anthropic
 * shape: the request is translated for it and its answer (and stream, event by event) translated
 * back, so the caller's code and SDK see a Message whichever provider answered. pacer-openai's
 * {@code OpenAiFallback} is one. {@link AnthropicPacer} appends each to the route after the Anthropic
 * models ({@link AnthropicPacer.Builder#fallback}); a gateway uses {@link MessagesRoute} the same way.
 * Implementations are thread-safe and serve many calls.
 */
public interface MessagesFallback {

    /** The target this fallback adds to a route (its own provider, pool and {@code QuotaModel}). */
    Target target();

    /** The cost of {@code call} on this target; asked at admission and again while it waits at the head of its line. */
    Cost cost(MessagesCall call);

    /**
     * Why this target is passed over for {@code call} without trying it, or null: a request it cannot
     * translate faithfully ({@code UNSUPPORTED}, the outcome's message saying what), or a target known to
     * be spent for the run ({@code SPEND_CAP}).
     */
    Skip passOver(MessagesCall call);

    /** One non-streaming attempt: the answer as a Message (with the request's model), usage and all. */
    CompletionStage<AttemptResult<JsonNode>> send(MessagesCall call, AttemptContext context);

    /**
     * One streaming attempt, committed only once its first Anthropic event is ready ({@code message_start}),
     * so everything before is an ordinary failed attempt; blocking reads run on {@code executor}.
     */
    CompletionStage<AttemptResult<MessageStream>> stream(MessagesCall call, AttemptContext context, Executor executor);

    /**
     * Hears the Anthropic-shaped usage of every answer this target gives from now on (for metrics: tokens and
     * cost), as {@link AnthropicResponses#addUsageListener} does for Anthropic's answers. A fallback that
     * reports no usage ignores it; a listener must not block and must not throw.
     */
    default void addUsageListener(java.util.function.BiConsumer<Target, Usage> listener) {
    }

    /** Removes a listener added by {@link #addUsageListener}. */
    default void removeUsageListener(java.util.function.BiConsumer<Target, Usage> listener) {
    }
}
