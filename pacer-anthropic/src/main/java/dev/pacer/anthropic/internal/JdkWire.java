package dev.pacer.anthropic.internal;

import dev.pacer.anthropic.AnthropicHttp;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;

/**
 * {@link AnthropicHttp}'s default wire: the JDK's {@link HttpClient}, HTTP/2 where the server offers it,
 * its exchanges run on virtual threads. Cancelling a future cancels the JDK's exchange.
 */
public final class JdkWire implements AnthropicHttp.Wire {

    private final HttpClient client;
    private final boolean owned;

    /** A client of its own, with {@code connectTimeout}. */
    public JdkWire(Duration connectTimeout) {
        this(HttpClient.newBuilder().version(HttpClient.Version.HTTP_2).connectTimeout(connectTimeout)
                .executor(Executors.newVirtualThreadPerTaskExecutor()).build(), true);
    }

    /** Over {@code client}; closed with this wire when {@code owned}. */
    public JdkWire(HttpClient client, boolean owned) {
        this.client = client;
        this.owned = owned;
    }

    @Override
    public CompletableFuture<AnthropicHttp.Response> send(String method, URI uri, Map<String, String> headers, byte[] body) {
        CompletableFuture<HttpResponse<byte[]>> sent = client.sendAsync(build(method, uri, headers, body), HttpResponse.BodyHandlers.ofByteArray());
        return linked(sent, sent.thenApply(r -> new AnthropicHttp.Response(r.statusCode(), r.headers(), r.body())));
    }

    @Override
    public CompletableFuture<AnthropicHttp.Streaming> sendStreaming(String method, URI uri, Map<String, String> headers, byte[] body) {
        CompletableFuture<HttpResponse<InputStream>> sent = client.sendAsync(build(method, uri, headers, body),
                HttpResponse.BodyHandlers.ofInputStream());
        return linked(sent, sent.thenApply(r -> new AnthropicHttp.Streaming(r.statusCode(), r.headers(), r.body())));
    }

    /** {@code answer}, whose cancellation cancels {@code sent} (the JDK aborts the exchange). */
    private static <A, B> CompletableFuture<B> linked(CompletableFuture<A> sent, CompletableFuture<B> answer) {
        CompletableFuture<B> result = new CompletableFuture<>() {
            @Override
            public boolean cancel(boolean mayInterrupt) {
                sent.cancel(mayInterrupt);
                return super.cancel(mayInterrupt);
            }
        };
        answer.whenComplete((r, error) -> {
            if (error != null) {
                result.completeExceptionally(error instanceof java.util.concurrent.CompletionException && error.getCause() != null
                        ? error.getCause() : error);
            } else {
                result.complete(r);
            }
        });
        return result;
    }

    private static HttpRequest build(String method, URI uri, Map<String, String> headers, byte[] body) {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri);
        headers.forEach((name, value) -> {
            try {
                b.setHeader(name, value);
            } catch (IllegalArgumentException refused) {
                // a header the JDK client will not send (it frames the request itself): not the caller's to set
            }
        });
        return b.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body)).build();
    }

    @Override
    public void close() {
        if (owned) {
            client.close();
        }
    }
}
