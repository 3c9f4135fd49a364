package dev.pacer.anthropic;

import dev.pacer.CallResult;
import dev.pacer.anthropic.internal.StreamUsage;
import dev.pacer.outcome.Outcome;
import dev.pacer.time.PacerScheduler;
import dev.pacer.time.ScheduledTask;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;

/**
 * A streaming Messages answer from {@link AnthropicPacer#stream}: its server-sent events, one
 * {@link #next()} at a time, then {@link #close()}. Read it to its end or close it: until one of
 * the two, the call keeps its quota reservation and its concurrency slot, because the provider is
 * still generating (and counting) its output.
 *
 * <p>The stream settles when it ends: from the final cumulative usage of its last
 * {@code message_delta} when it reached {@code message_stop}, else from what was seen (deltas
 * included, see {@link StreamUsage}). It was retried or moved to a fallback model only before its
 * first event; from then on it is the caller's, so a stream that breaks off (a mid-stream
 * {@code event: error}, a dropped connection, a body that ends without {@code message_stop}) is not
 * retried: {@link #next()} throws {@link StreamFailed}, and the engine hears the break as the same
 * failure before a stream would have been ({@link dev.pacer.StreamInterrupted}), so a model whose
 * streams keep breaking opens its breaker.
 *
 * <p>One reader: {@link #next()} is not thread-safe; {@link #close()} may be called from any
 * thread, and a read blocked in {@link #next()} then returns null. A stream neither read to its end
 * nor closed within its timeout (the SDKs' streaming timeout, from {@code max_tokens}) ends then, as a
 * timeout.
 */
public final class MessageStream implements AutoCloseable {

    /** Hears the end of the stream, once: what it carried, and how it broke off (null: it did not). */
    interface Settlement {
        void ended(StreamUsage usage, Outcome brokeOff);
    }

    /** Hears the end of a stream made by {@link #started}, once: its usage, whether it was whole, how it broke off (null: it did not). */
    @FunctionalInterface
    public interface Ended {
        void ended(Usage usage, boolean complete, Outcome brokeOff);
    }

    /**
     * A stream of Anthropic events that come from elsewhere, say another provider's stream translated
     * event by event ({@link MessagesFallback}), whose first event {@code first} was read from
     * {@code reader} over {@code body}. It behaves as any other: {@code ended} hears its end once, and a
     * stream neither read to its end nor closed within {@code timeout} ends then, as a timeout.
     */
    public static MessageStream started(String model, String requestId, SseReader reader, InputStream body, SseReader.Event first,
                                        PacerScheduler scheduler, Duration timeout, Ended ended) {
        StreamUsage seen = new StreamUsage();
        seen.data(first.data());
        ScheduledTask[] backstop = new ScheduledTask[1];
        java.net.http.HttpHeaders headers = java.net.http.HttpHeaders.of(
                requestId == null ? java.util.Map.of() : java.util.Map.of("request-id", java.util.List.of(requestId)), (name, value) -> true);
        MessageStream stream = new MessageStream(model, headers, reader, body, first, seen, (usage, brokeOff) -> {
            if (backstop[0] != null) {
                backstop[0].cancel();
            }
            ended.ended(usage.usage(), usage.complete(), brokeOff);
        });
        backstop[0] = scheduler.schedule(() -> stream.expire("The stream from " + model + " was neither read to its end nor"
                + " closed within its timeout of " + timeout.toMillis() + " ms."), timeout);
        if (stream.ended) {
            backstop[0].cancel();
        }
        return stream;
    }

    private final String model;
    private final String requestId;
    private final java.net.http.HttpHeaders headers;
    private final SseReader reader;
    private final InputStream body;
    private final StreamUsage usage;
    private final Settlement settlement;
    private SseReader.Event first;
    private volatile int events;
    private volatile StreamFailed failed;
    private volatile boolean ended;
    private volatile boolean closedByCaller;
    private volatile CallResult<MessageStream> call;

    MessageStream(String model, java.net.http.HttpHeaders headers, SseReader reader, InputStream body, SseReader.Event first,
                  StreamUsage usage, Settlement settlement) {
        this.model = model;
        this.headers = headers;
        this.requestId = headers.firstValue("request-id").orElse(null);
        this.reader = reader;
        this.body = body;
        this.first = first;
        this.usage = usage;
        this.settlement = settlement;
    }

    /**
     * The next event (name and JSON data, {@code ping}s and event types added later by the API
     * included), or null when the stream has ended: after {@code message_stop}, or once closed.
     *
     * @throws StreamFailed when the stream broke off; every later call throws it again
     */
    public SseReader.Event next() {
        if (failed != null) {
            throw failed;
        }
        if (first != null) {
            SseReader.Event event = first;
            first = null;
            return delivered(event);
        }
        if (ended) {
            return null;
        }
        SseReader.Event event;
        try {
            event = reader.next();
        } catch (IOException e) {
            Outcome broke = closedByCaller ? null : end(false, e);
            if (broke == null) {
                return null; // closed from another thread while this read was blocked
            }
            throw fail(broke, e);
        }
        if (event == null) {
            Outcome broke = end(true, null);
            if (broke != null) {
                throw fail(broke, null);
            }
            return null;
        }
        usage.data(event.data());
        if ("error".equals(event.name())) {
            Outcome broke = end(false, null);
            if (broke != null) {
                throw fail(broke, null);
            }
            return null;
        }
        return delivered(event);
    }

    private SseReader.Event delivered(SseReader.Event event) {
        events++;
        if ("message_stop".equals(event.name())) {
            // The answer is whole: settle now rather than when the reader gets round to the end of the body.
            end(true, null);
        }
        return event;
    }

    /** The model that is answering (differs from the request's after a fallback). */
    public String model() {
        return model;
    }

    /** The stream's {@code request-id} (to quote to Anthropic's support), or null. */
    public String requestId() {
        return requestId;
    }

    /**
     * The headers of the answer that opened the stream ({@code request-id}, {@code anthropic-ratelimit-*},
     * {@code anthropic-organization-id}, ...): what a relay hands its own caller.
     */
    public java.net.http.HttpHeaders headers() {
        return headers;
    }

    /** The usage so far: the stream's own cumulative figures, or what its deltas carried until they come. */
    public Usage usage() {
        return usage.usage();
    }

    /** The engine's account of the call until the stream began: attempts, skipped targets, time queued (null until then). */
    public CallResult<MessageStream> call() {
        return call;
    }

    void attach(CallResult<MessageStream> result) {
        this.call = result;
    }

    /**
     * The stream's timeout has passed: a stream nobody reads nor closes would otherwise hold its
     * reservation and slot for ever (the transport's deadline closes the body, but only a read would
     * notice). It ends as a timeout, and {@link #next()} throws it.
     */
    void expire(String message) {
        Outcome broke = end(false, new java.net.http.HttpTimeoutException(message));
        if (broke != null) {
            fail(broke, null);
        }
    }

    /** Ends the stream (if it has not ended) and gives its reservation and slot back, settled on what was seen. */
    @Override
    public void close() {
        if (!ended) {
            closedByCaller = true;
            end(false, null);
        }
    }

    /** Ends the stream once: settles it, closes the body, and says how it broke off (null: it did not). */
    private Outcome end(boolean readToEnd, IOException failure) {
        Outcome broke;
        synchronized (this) {
            if (ended) {
                return null;
            }
            ended = true;
            broke = closedByCaller ? null : usage.brokeOff(readToEnd, failure, requestId);
        }
        try {
            body.close();
        } catch (IOException ignored) {
            // the stream is over either way
        }
        settlement.ended(usage, broke);
        return broke;
    }

    private StreamFailed fail(Outcome outcome, IOException cause) {
        failed = new StreamFailed(model, events, outcome, usage.usage(), cause);
        return failed;
    }

    @Override
    public String toString() {
        return "MessageStream[model=" + model + ", events=" + events + ", ended=" + ended + "]";
    }
}
