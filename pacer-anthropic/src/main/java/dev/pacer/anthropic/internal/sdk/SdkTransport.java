package dev.pacer.anthropic.internal.sdk;

import com.anthropic.core.RequestOptions;
import com.anthropic.core.http.HttpClient;
import com.anthropic.core.http.HttpRequest;
import com.anthropic.core.http.HttpResponse;
import com.anthropic.errors.AnthropicIoException;
import dev.pacer.anthropic.internal.EndpointPacing;
import java.io.IOException;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.function.Function;

/**
 * The SDK's own HTTP client as an endpoint call's {@link EndpointPacing.Transport}: its blocking
 * path on the executor (OkHttp's async dispatcher would cap calls per host at 5); a failure is the
 * SDK's own exception, so the caller sees what it would have without Pacer.
 */
public final class SdkTransport implements EndpointPacing.Transport<HttpResponse> {

    private final HttpClient next;
    private final HttpRequest request;
    private final RequestOptions options;
    private final Executor executor;

    public SdkTransport(HttpClient next, HttpRequest request, RequestOptions options, Executor executor) {
        this.next = next;
        this.request = request;
        this.options = options;
        this.executor = executor;
    }

    @Override
    public CompletionStage<HttpResponse> send() {
        return CompletableFuture.supplyAsync(() -> next.execute(request, options), executor);
    }

    @Override
    public int status(HttpResponse answer) {
        return answer.statusCode();
    }

    @Override
    public Function<String, Optional<String>> headers(HttpResponse answer) {
        return headersOf(answer);
    }

    @Override
    public byte[] readAndClose(HttpResponse answer) throws IOException {
        try (answer) {
            return answer.body().readAllBytes();
        }
    }

    @Override
    public HttpResponse buffered(HttpResponse answer, byte[] body) {
        return new BufferedResponse(answer.statusCode(), answer.headers(), body);
    }

    @Override
    public Throwable brokenBody(IOException error) {
        return new AnthropicIoException("Request failed", error);
    }

    /** A response's headers as the pipeline reads them: a name's first value. */
    static Function<String, Optional<String>> headersOf(HttpResponse response) {
        com.anthropic.core.http.Headers h = response.headers();
        return name -> h.values(name).stream().findFirst();
    }
}
