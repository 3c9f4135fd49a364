package dev.pacer.anthropic;

import java.time.Duration;

/**
 * The answer that ended a Messages call relayed as it is ({@link AnthropicPacer#relay}): either a
 * stream that opened ({@link #stream()}, the caller reads it to its end or closes it), or a whole
 * answer ({@link #reply()}: the Message with its status and headers, or the provider's last refusal
 * once retries and fallbacks were spent). Exactly one of the two is non-null.
 *
 * @param stream   the stream, for a streaming request that opened one, else null
 * @param reply    the whole answer, else null
 * @param model    the model that answered (differs from the request's after a fallback), or the
 *                 request's own for a refusal
 * @param attempts attempts over the whole call
 * @param queued   time spent waiting for admission, on the engine's clock
 */
public record MessagesReply(MessageStream stream, EndpointReply reply, String model, int attempts, Duration queued) {

    public MessagesReply {
        if ((stream == null) == (reply == null)) {
            throw new IllegalArgumentException("A MessagesReply holds a stream or a reply, exactly one.");
        }
    }

    /** True when the answer is an open stream. */
    public boolean isStream() {
        return stream != null;
    }
}
