package dev.pacer.anthropic.internal;

import com.fasterxml.jackson.databind.JsonNode;
import dev.pacer.anthropic.Usage;
import dev.pacer.outcome.Outcome;
import dev.pacer.outcome.OutcomeFamily;
import java.io.IOException;

/**
 * What a Messages SSE stream has cost so far, read from its {@code data:} payloads as they pass:
 * the usage of {@code message_start}, the cumulative usage of each {@code message_delta}, the
 * output generated in the content deltas, and the type of an {@code event: error}. Used by every
 * stream relay (the SDK adapter, a gateway) to settle a reservation when the stream ends.
 *
 * <p>A stream that ends early (dropped, cut by an error, or closed by the caller) carries no final
 * {@code message_delta}; its output so far is then estimated from the text, tool input and
 * thinking the deltas carried, because the provider counts the tokens it generated, not the ones
 * it reported, and settling on {@code message_start}'s {@code output_tokens: 1} would tell the
 * local bucket that a long cut-off answer cost one token. {@link #brokeOff} says how such a stream
 * ended, for the engine's breaker and concurrency limit. Not thread-safe: one reader per stream.
 */
public final class StreamUsage {

    private Usage reported = new Usage(0, 0, 0, 0);
    private boolean finalUsage;
    private double generated;
    private String error;
    private JsonNode errorData;
    private boolean stopped;

    /** Reads one {@code data:} payload (the JSON after {@code data:}); anything not JSON is ignored. */
    public void data(String json) {
        JsonNode data;
        try {
            data = Json.MAPPER.readTree(json);
        } catch (IOException notJson) {
            return; // not ours to judge: the reader of the stream will
        }
        if (data == null) {
            return;
        }
        switch (data.path("type").asText()) {
            case "message_start" -> reported = Usage.of(data.path("message").path("usage"));
            case "message_delta" -> {
                JsonNode usage = data.path("usage");
                if (usage.isObject()) {
                    reported = reported.merge(usage);
                    finalUsage |= usage.has("output_tokens");
                }
            }
            case "content_block_delta" -> {
                JsonNode delta = data.path("delta");
                generated += CharacterModel.text(delta.path("text").asText(""))
                        + CharacterModel.text(delta.path("partial_json").asText(""))
                        + CharacterModel.text(delta.path("thinking").asText(""));
            }
            case "error" -> {
                error = data.path("error").path("type").asText("error");
                errorData = data;
            }
            case "message_stop" -> stopped = true;
            default -> {
            }
        }
    }

    /**
     * The usage to settle on: the stream's own cumulative figures once a {@code message_delta}
     * reported its output, else what was reported with the output raised to what the deltas seen
     * would have cost.
     */
    public Usage usage() {
        if (finalUsage) {
            return reported;
        }
        long seen = (long) Math.ceil(generated);
        return seen > reported.output() ? new Usage(reported.input(), reported.cacheCreation(), reported.cacheRead(), seen) : reported;
    }

    /**
     * Whether the stream reported its final output. Only such a stream teaches the output
     * distribution: a cut-off one would teach that answers are shorter than they are.
     */
    public boolean complete() {
        return finalUsage;
    }

    /** The error type of an {@code event: error} seen (e.g. {@code overloaded_error}), or null. */
    public String error() {
        return error;
    }

    /** Whether {@code message_stop} was seen: the answer is whole. */
    public boolean stopped() {
        return stopped;
    }

    /**
     * How the stream broke off, or null when it did not: an {@code event: error} is classified by
     * its type ({@link Classifier#streamError}); a read that failed is a timeout or a connection
     * failure; a body that ended without {@code message_stop} is a connection failure (the answer
     * is cut, whatever the transport said). A stream its reader closed early, with neither, did not
     * break: stopping was the reader's choice.
     *
     * @param readToEnd whether the body was read to its end
     * @param failure   the exception a read of the body failed with, or null
     * @param requestId the stream's {@code request-id} header, or null
     */
    public Outcome brokeOff(boolean readToEnd, IOException failure, String requestId) {
        if (errorData != null) {
            return Classifier.streamError(errorData, requestId);
        }
        if (failure != null) {
            OutcomeFamily family = TransportFailures.family(failure);
            return new Outcome(family == null ? OutcomeFamily.CONNECTION_FAILURE : family, 0, null,
                    Classifier.withRequestId("the stream broke off: " + failure.getClass().getSimpleName()
                            + (failure.getMessage() == null ? "" : ": " + failure.getMessage()), requestId), null, null, null);
        }
        if (readToEnd && !stopped) {
            return new Outcome(OutcomeFamily.CONNECTION_FAILURE, 0, null,
                    Classifier.withRequestId("the stream ended without message_stop", requestId), null, null, null);
        }
        return null;
    }
}
