package dev.pacer.anthropic;

import dev.pacer.Attempt;
import dev.pacer.AttemptContext;
import dev.pacer.AttemptResult;
import dev.pacer.StreamInterrupted;
import dev.pacer.anthropic.internal.Classifier;
import dev.pacer.anthropic.internal.EndpointPacing;
import dev.pacer.anthropic.internal.Json;
import dev.pacer.anthropic.internal.LastAnswer;
import dev.pacer.anthropic.internal.StreamUsage;
import dev.pacer.anthropic.internal.TransportFailures;
import dev.pacer.outcome.Outcome;
import dev.pacer.outcome.OutcomeFamily;
import dev.pacer.quota.Cost;
import dev.pacer.route.Target;
import dev.pacer.time.ScheduledTask;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;

/**
 * One streaming attempt of {@link AnthropicPacer#stream}: sent with {@code stream: true}, and
 * committed only once its first event has arrived, so that everything before (an error status, a
 * reset, a stall until the timeout, an {@code event: error} first) is an ordinary failed attempt the
 * engine retries or falls back from. Reading that event blocks, so it runs on the executor (virtual
 * threads by default). Once committed, the {@link MessageStream} holds the reservation until it ends,
 * and settles through the pipeline ({@link AnthropicResponses#streamEnded}).
 */
final class StreamAttempt implements Attempt<MessageStream> {

    private final AnthropicHttp http;
    private final AnthropicCalls calls;
    private final AnthropicResponses responses;
    private final Executor executor;
    private final MessagesCall call;
    private final Map<String, String> headers;
    private final LastAnswer<AnthropicHttp.Response> last;

    StreamAttempt(AnthropicHttp http, AnthropicCalls calls, Executor executor, MessagesCall call, Map<String, String> headers) {
        this(http, calls, executor, call, headers, new LastAnswer<>());
    }

    /** {@code last} keeps each answer that did not open a stream, read whole, for a caller that relays it as it is. */
    StreamAttempt(AnthropicHttp http, AnthropicCalls calls, Executor executor, MessagesCall call, Map<String, String> headers,
                  LastAnswer<AnthropicHttp.Response> last) {
        this.last = last;
        this.http = http;
        this.calls = calls;
        this.responses = calls.responses();
        this.executor = executor;
        this.call = call;
        this.headers = headers;
    }

    @Override
    public CompletionStage<AttemptResult<MessageStream>> run(AttemptContext context) {
        Target target = context.target();
        Duration timeout = AnthropicHttp.timeoutFor(call.maxTokens(), true);
        Map<String, String> streaming = new java.util.LinkedHashMap<>(headers);
        streaming.putIfAbsent("accept", "text/event-stream");
        AnthropicHttp.Request request = new AnthropicHttp.Request("POST", "/v1/messages", call.body(target), call.apiKey(), streaming, timeout);
        return http.sendStreaming(request).handleAsync((response, error) -> {
            if (error != null) {
                Throwable cause = EndpointPacing.unwrap(error);
                last.failedInTransit(cause);
                return TransportFailures.<MessageStream>failedAttempt(cause);
            }
            return open(response, target, timeout);
        }, executor);
    }

    private AttemptResult<MessageStream> open(AnthropicHttp.Streaming response, Target target, Duration timeout) {
        String model = target.model();
        String requestId = response.header("request-id").orElse(null);
        calls.heard(call.apiKey(), response::header);
        if (response.status() != 200) {
            byte[] bytes;
            try (InputStream in = response.body()) {
                bytes = in.readAllBytes();
            } catch (IOException e) {
                return AttemptResult.failure(responses.brokeOff(response.status(), response::header, e, "the answer broke off"), null);
            }
            Outcome refused = responses.notAStream(response.status(), response::header, bytes);
            last.answered(new AnthropicHttp.Response(response.status(), response.headers(), bytes), refused);
            return AttemptResult.failure(refused, null);
        }
        Outcome opened = responses.accepted(200, response::header);
        SseReader reader = new SseReader(response.body());
        StreamUsage seen = new StreamUsage();
        SseReader.Event first;
        try {
            first = reader.next();
        } catch (IOException e) {
            closeQuietly(response.body());
            return AttemptResult.failure(responses.brokeOff(200, response::header, e, "the stream broke off before its first event"), null);
        }
        if (first == null || "error".equals(first.name())) {
            // Nothing has reached the caller yet: an ordinary failure, retried or fallen back from.
            closeQuietly(response.body());
            Outcome failed = first == null
                    ? new Outcome(OutcomeFamily.CONNECTION_FAILURE, 200, null,
                            Classifier.withRequestId("the stream ended before its first event", requestId), null, opened.hints(),
                            opened.snapshot())
                    : Classifier.streamError(Json.parse(first.data().getBytes(StandardCharsets.UTF_8)), requestId);
            return AttemptResult.failure(failed, null);
        }
        seen.data(first.data());
        CompletableFuture<Cost> ended = new CompletableFuture<>();
        ScheduledTask[] backstop = new ScheduledTask[1];
        MessageStream stream = new MessageStream(model, response.headers(), reader, response.body(), first, seen, (usage, brokeOff) -> {
            if (backstop[0] != null) {
                backstop[0].cancel();
            }
            Cost cost = responses.streamEnded(call, target, usage.usage(), usage.complete());
            if (brokeOff != null) {
                ended.completeExceptionally(new StreamInterrupted(brokeOff, cost));
            } else {
                ended.complete(cost);
            }
        });
        // The transport's deadline closes the body, but only a read would notice: a stream its caller neither reads
        // nor closes must still give its reservation and slot back when its time is up.
        backstop[0] = http.scheduler().schedule(() -> stream.expire("The stream from " + model + " was neither read to its end nor"
                + " closed within its timeout of " + timeout.toMillis() + " ms."), timeout);
        if (ended.isDone()) {
            backstop[0].cancel();
        }
        return AttemptResult.streaming(opened, stream, ended);
    }

    private static void closeQuietly(InputStream in) {
        try {
            in.close();
        } catch (IOException ignored) {
            // nobody reads it any more
        }
    }
}
