package dev.pacer.openai;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pacer.openai.internal.ChatClassifier;
import dev.pacer.openai.internal.ChatRateLimitHeaders;
import dev.pacer.openai.internal.ChatTransportFailures;
import dev.pacer.outcome.Outcome;
import dev.pacer.outcome.RetryHints;
import dev.pacer.quota.Cost;
import dev.pacer.quota.Dimension;
import dev.pacer.quota.RateLimitSnapshot;
import dev.pacer.time.PacerClock;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * The OpenAI-compatible provider, response side: one answer's status, headers and body as the engine's
 * {@link Outcome} (the {@code x-ratelimit-*} headers as its snapshot, the retry hints, the family as
 * {@code ChatClassifier} says, {@code x-request-id} quoted), a transport failure by its type, and what an
 * answer cost by its {@code usage}. Headers are read through a function from a (case-insensitive) name to
 * its first value, so any HTTP stack can hand them over. Thread-safe.
 */
public final class OpenAiResponses {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long MAX_PROMPT = 10_000_000;

    private final ChatRateLimitHeaders headers;
    private final PacerClock clock;

    /**
     * @param maxRetryAfter the longest server delay believed; a longer one is ignored, as if absent
     * @param debug         hears a note for each header value ignored (never a key)
     * @param clock         the engine's clock, which snapshots are timed on
     */
    public OpenAiResponses(Duration maxRetryAfter, Consumer<String> debug, PacerClock clock) {
        this.headers = new ChatRateLimitHeaders(Objects.requireNonNull(maxRetryAfter, "maxRetryAfter"), Objects.requireNonNull(debug, "debug"));
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /** Any answer classified: its family, the server's message and request id, its snapshot and hints. */
    public Outcome classify(int status, Function<String, Optional<String>> header, byte[] body) {
        JsonNode json = parse(body);
        Instant now = clock.instant();
        String message = json == null ? null : json.path("error").path("message").asText(null);
        RetryHints hints = headers.hints(header, message, now);
        RateLimitSnapshot snapshot = headers.snapshot(header, now);
        return ChatClassifier.classify(status, json, hints, snapshot, header.apply("x-request-id").orElse(null));
    }

    /** A 2xx that is not what was asked ({@code what}): a server error, retried. */
    public Outcome invalid(Outcome accepted, String what, Function<String, Optional<String>> header) {
        return ChatClassifier.invalidResponse(accepted.status(), what, accepted.hints(), accepted.snapshot(),
                header.apply("x-request-id").orElse(null));
    }

    /** An answer whose body broke off: a timeout or connection failure carrying the status (the server counted the call). */
    public Outcome brokeOff(int status, Function<String, Optional<String>> header, IOException error, String what) {
        Outcome transport = ChatTransportFailures.outcome(error);
        Instant now = clock.instant();
        return new Outcome(transport.family(), status, null, ChatClassifier.withRequestId(what + ": " + transport.message(),
                header.apply("x-request-id").orElse(null)), null, headers.hints(header, null, now), headers.snapshot(header, now));
    }

    /** The outcome of an attempt that got no answer because of {@code error}, or null when it is not a transport failure. */
    public static Outcome transportFailure(Throwable error) {
        return ChatTransportFailures.outcome(error);
    }

    /**
     * What a call cost the server's limits by its {@code usage}: one request, the prompt, and the requested
     * output, since the tokens limit charged {@code max_tokens} when the call arrived and gives nothing back
     * (the simulator's reading; a server that does refund shows it in its {@code remaining}, which
     * calibration follows). {@link Dimension#INPUT_TOKENS} holds the prompt, {@link Dimension#OUTPUT_TOKENS}
     * {@code max_tokens}, {@link OpenAiQuotaModel#TOKENS} their sum.
     */
    public static Cost charged(JsonNode usage, long maxTokens) {
        // A server may report anything: the prompt is bounded as Anthropic's usage is, and the output is what was charged.
        long prompt = Math.min(MAX_PROMPT, Math.max(0, usage.path("prompt_tokens").asLong(0)));
        return OpenAiQuotaModel.instance().complete(Cost.requests(1, prompt, maxTokens));
    }

    static JsonNode parse(byte[] body) {
        if (body == null || body.length == 0) {
            return null;
        }
        try {
            return JSON.readTree(body);
        } catch (IOException e) {
            return null;
        }
    }
}
