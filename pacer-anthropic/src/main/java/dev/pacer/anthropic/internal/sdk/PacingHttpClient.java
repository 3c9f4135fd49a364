package dev.pacer.anthropic.internal.sdk;

import com.anthropic.core.RequestOptions;
import com.anthropic.core.http.Headers;
import com.anthropic.core.http.HttpClient;
import com.anthropic.core.http.HttpMethod;
import com.anthropic.core.http.HttpRequest;
import com.anthropic.core.http.HttpResponse;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pacer.CallSpec;
import dev.pacer.Pacer;
import dev.pacer.PacerException;
import dev.pacer.anthropic.AnthropicCalls;
import dev.pacer.anthropic.AnthropicResponses;
import dev.pacer.anthropic.ApiKey;
import dev.pacer.anthropic.MessagesCall;
import dev.pacer.anthropic.internal.EndpointPacing;
import dev.pacer.anthropic.internal.ForwardedHeaders;
import dev.pacer.anthropic.internal.Json;
import dev.pacer.anthropic.internal.LastAnswer;
import dev.pacer.quota.Priority;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;

/**
 * The HTTP client the SDK calls once Pacer is inside it ({@code PacedAnthropic}): every request goes
 * through the engine, read by the Anthropic pipeline ({@link AnthropicCalls}). A
 * {@code POST /v1/messages} (plain or streaming) is a Messages call with fallback models and
 * head-of-line re-estimation ({@link SdkMessagesAttempt}); any other endpoint (count_tokens, the
 * Message Batches endpoints, models, files) is paced on its own pool ({@link EndpointPacing}). The
 * API key is each request's own ({@code x-api-key}, else {@code Authorization: Bearer}), so one
 * adapter serves clients with different keys, each on its own pools; the request's other headers go
 * on as the SDK set them ({@code anthropic-beta}, {@code anthropic-workspace-id}, ...), without
 * hop-by-hop ones. When every attempt failed, the SDK gets the last answer (and raises its usual
 * exception) or its own transport exception.
 */
public final class PacingHttpClient implements HttpClient {

    private final HttpClient next;
    private final Pacer pacer;
    private final AnthropicCalls calls;
    private final Priority priority;
    private final Executor executor;

    public PacingHttpClient(HttpClient next, Pacer pacer, AnthropicCalls calls, Priority priority, Executor executor) {
        this.next = new IdentifyingHttpClient(next, calls);
        this.pacer = pacer;
        this.calls = calls;
        this.priority = priority;
        this.executor = executor;
    }

    @Override
    public HttpResponse execute(HttpRequest request, RequestOptions requestOptions) {
        try {
            return executeAsync(request, requestOptions).get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PacerException("Interrupted while waiting for the API.", e);
        } catch (ExecutionException e) {
            Throwable t = EndpointPacing.unwrap(e.getCause());
            throw t instanceof RuntimeException r ? r : new PacerException("The call failed: " + t, t);
        }
    }

    @Override
    public CompletableFuture<HttpResponse> executeAsync(HttpRequest original, RequestOptions requestOptions) {
        HttpRequest request = withoutHopByHop(original);
        List<String> path = request.pathSegments();
        if (request.method() != HttpMethod.POST || path.size() != 2 || !path.get(0).equals("v1") || !path.get(1).equals("messages")) {
            return endpoint(request, requestOptions);
        }
        byte[] body = bytesOf(request);
        JsonNode params = Json.parse(body);
        if (!(params instanceof ObjectNode object) || !params.path("model").isTextual()) {
            return next.executeAsync(request, requestOptions); // not ours to judge: the API will answer
        }
        ApiKey key = SdkCredentials.apiKey(request.headers());
        if (calls.worthCounting(object)) {
            return count(request, requestOptions, object).thenCompose(counted -> messages(request, requestOptions, key, object, body, counted));
        }
        return messages(request, requestOptions, key, object, body, -1);
    }

    private CompletableFuture<HttpResponse> messages(HttpRequest request, RequestOptions requestOptions, ApiKey key, ObjectNode params,
                                                     byte[] body, long countedInput) {
        MessagesCall call = calls.messages(key, params, body, priority, null, countedInput);
        LastAnswer<HttpResponse> last = new LastAnswer<>();
        return pacer.execute(call.spec(), calls.attempt(new SdkMessagesAttempt(next, request, requestOptions, executor, call, calls.responses(),
                        last)))
                .handle((result, error) -> EndpointPacing.finish(result, error, last, true).answer());
    }

    /**
     * The provider's count of a Messages request's input: the same request (headers, auth, beta
     * flags) sent to {@code count_tokens} with the fields it takes, paced as any count. -1 when it
     * could not say: counting is an optimisation, never a failure.
     */
    private CompletableFuture<Long> count(HttpRequest request, RequestOptions requestOptions, ObjectNode params) {
        byte[] bytes;
        try {
            bytes = Json.bytes(AnthropicCalls.countTokensBody(params));
        } catch (IllegalArgumentException e) {
            return CompletableFuture.completedFuture(-1L);
        }
        HttpRequest counting = request.toBuilder().replaceAllPathSegments("v1", "messages", "count_tokens").body(new BytesBody(bytes)).build();
        return endpoint(counting, requestOptions).handle((response, error) -> {
            if (error != null) {
                return -1L;
            }
            try (response) {
                return response.statusCode() / 100 == 2 ? AnthropicResponses.tokenCount(response.body().readAllBytes()) : -1L;
            } catch (IOException e) {
                return -1L;
            }
        });
    }

    /**
     * Any endpoint but Messages: the SDK's own retries are off, so without Pacer a 429 or a 529 here
     * would reach the caller on the first try. A success is handed over unread (batch results can be
     * large). A body that cannot be sent twice goes out once, as the SDK would.
     */
    private CompletableFuture<HttpResponse> endpoint(HttpRequest request, RequestOptions requestOptions) {
        if (request.body().isPresent() && !request.body().get().repeatable()) {
            return next.executeAsync(request, requestOptions);
        }
        ApiKey key = SdkCredentials.apiKey(request.headers());
        CallSpec spec = calls.endpoint(key, "/" + String.join("/", request.pathSegments()), priority, null);
        LastAnswer<HttpResponse> last = new LastAnswer<>();
        SdkTransport transport = new SdkTransport(next, request, requestOptions, executor);
        return pacer.execute(spec, calls.attempt(EndpointPacing.attempt(transport, calls.responses(), Set.of(), last)))
                .handle((result, error) -> EndpointPacing.finish(result, error, last, true).answer());
    }

    private static HttpRequest withoutHopByHop(HttpRequest request) {
        Headers headers = request.headers();
        List<String> connection = headers.values("connection");
        Set<String> drop = new HashSet<>();
        for (String name : headers.names()) {
            if (ForwardedHeaders.isHopByHop(name, connection.isEmpty() ? null : String.join(",", connection))) {
                drop.add(name);
            }
        }
        return drop.isEmpty() ? request : request.toBuilder().removeAllHeaders(drop).build();
    }

    private static byte[] bytesOf(HttpRequest request) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        request.body().ifPresent(b -> b.writeTo(out));
        return out.toByteArray();
    }

    @Override
    public void close() {
        next.close();
    }
}
