package dev.pacer.anthropic.internal.sdk;

import com.anthropic.core.RequestOptions;
import com.anthropic.core.http.HttpClient;
import com.anthropic.core.http.HttpRequest;
import com.anthropic.core.http.HttpResponse;
import dev.pacer.anthropic.AnthropicCalls;
import java.util.concurrent.CompletableFuture;

/**
 * The SDK's HTTP client with every answer's headers handed to the pipeline
 * ({@link AnthropicCalls#heard}), so that keys of one organization and workspace come to share their
 * pools whichever endpoint answered first. One wrapper under every path of the adapter, Messages and
 * the other endpoints alike.
 */
final class IdentifyingHttpClient implements HttpClient {

    private final HttpClient next;
    private final AnthropicCalls calls;

    IdentifyingHttpClient(HttpClient next, AnthropicCalls calls) {
        this.next = next;
        this.calls = calls;
    }

    @Override
    public HttpResponse execute(HttpRequest request, RequestOptions options) {
        return heard(request, next.execute(request, options));
    }

    @Override
    public CompletableFuture<HttpResponse> executeAsync(HttpRequest request, RequestOptions options) {
        return next.executeAsync(request, options).thenApply(response -> heard(request, response));
    }

    private HttpResponse heard(HttpRequest request, HttpResponse response) {
        calls.heard(SdkCredentials.apiKey(request.headers()), SdkTransport.headersOf(response));
        return response;
    }

    @Override
    public void close() {
        next.close();
    }
}
