package dev.pacer.anthropic.internal.sdk;

import com.anthropic.core.RequestOptions;
import com.anthropic.core.http.HttpClient;
import com.anthropic.core.http.HttpRequest;
import com.anthropic.core.http.HttpResponse;
import com.anthropic.errors.AnthropicIoException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.pacer.Attempt;
import dev.pacer.AttemptContext;
import dev.pacer.AttemptResult;
import dev.pacer.StreamInterrupted;
import dev.pacer.anthropic.AnthropicResponses;
import dev.pacer.anthropic.MessagesCall;
import dev.pacer.anthropic.internal.LastAnswer;
import dev.pacer.anthropic.internal.TransportFailures;
import dev.pacer.outcome.Outcome;
import dev.pacer.quota.Cost;
import dev.pacer.route.Target;
import java.io.IOException;
import java.io.InputStream;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.function.Function;

/**
 * One attempt of a Messages call made through the SDK: the SDK's request with the target's body, on
 * the SDK's own transport (its blocking path, on the executor), read by the pipeline. A stream is
 * committed at its 200 and handed to the SDK with its body watched, so it settles from what it
 * carried when it ends and the engine hears how it ended ({@link StreamInterrupted}). Any other
 * answer is read whole and replayed to the SDK; a failed one is kept as the call's
 * {@link LastAnswer}, so that the SDK raises its usual exception when every attempt failed.
 */
public final class SdkMessagesAttempt implements Attempt<HttpResponse> {

    private final HttpClient next;
    private final HttpRequest request;
    private final RequestOptions options;
    private final Executor executor;
    private final MessagesCall call;
    private final AnthropicResponses responses;
    private final LastAnswer<HttpResponse> last;
    private final boolean stream;

    public SdkMessagesAttempt(HttpClient next, HttpRequest request, RequestOptions options, Executor executor, MessagesCall call,
                              AnthropicResponses responses, LastAnswer<HttpResponse> last) {
        this.next = next;
        this.request = request;
        this.options = options;
        this.executor = executor;
        this.call = call;
        this.responses = responses;
        this.last = last;
        this.stream = call.params().path("stream").asBoolean(false);
    }

    @Override
    public CompletionStage<AttemptResult<HttpResponse>> run(AttemptContext context) {
        Target target = context.target();
        HttpRequest attempt = request.toBuilder().body(new BytesBody(call.body(target))).build();
        return CompletableFuture.supplyAsync(() -> {
            HttpResponse response;
            try {
                response = next.execute(attempt, options);
            } catch (RuntimeException e) {
                AttemptResult<HttpResponse> failed = TransportFailures.failedAttempt(e);
                last.failedInTransit(e);
                return failed;
            }
            return answer(target, response);
        }, executor);
    }

    private AttemptResult<HttpResponse> answer(Target target, HttpResponse response) {
        int status = response.statusCode();
        Function<String, Optional<String>> header = SdkTransport.headersOf(response);
        if (status == 200 && stream) {
            return committed(target, response, header);
        }
        byte[] bytes;
        try (response) {
            bytes = response.body().readAllBytes();
        } catch (IOException e) {
            last.failedInTransit(new AnthropicIoException("Request failed", e));
            return AttemptResult.failure(responses.brokeOff(status, header, e, "the answer broke off"), null);
        }
        BufferedResponse buffered = new BufferedResponse(status, response.headers(), bytes);
        AttemptResult<JsonNode> read = responses.message(call, target, status, header, bytes);
        if (!read.outcome().isSuccess()) {
            last.answered(buffered, read.outcome());
            return AttemptResult.failure(read.outcome(), read.usage());
        }
        return AttemptResult.success(read.outcome(), buffered, read.usage());
    }

    /** Committed: from here the stream belongs to the caller; it settles when it ends. */
    private AttemptResult<HttpResponse> committed(Target target, HttpResponse response, Function<String, Optional<String>> header) {
        CompletableFuture<Cost> ended = new CompletableFuture<>();
        String requestId = header.apply("request-id").orElse(null);
        InputStream watched = new StreamWatcher(response.body(), watcher -> {
            Cost cost = responses.streamEnded(call, target, watcher.usage().usage(), watcher.usage().complete());
            Outcome broke = watcher.usage().brokeOff(watcher.readToEnd(), watcher.failure(), requestId);
            if (broke != null) {
                // The SDK raises its own exception to the caller (SseException for an event: error); the
                // engine hears how the stream ended, so a model whose streams keep breaking opens its breaker.
                ended.completeExceptionally(new StreamInterrupted(broke, cost));
            } else {
                ended.complete(cost);
            }
        });
        return AttemptResult.streaming(responses.accepted(200, header), new StreamingResponse(response, watched), ended);
    }
}
