package dev.pacer.gateway.internal;

import dev.pacer.anthropic.AnthropicHttp;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpHeaders;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.client.BufferingResponseListener;
import org.eclipse.jetty.client.BytesRequestContent;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.InputStreamResponseListener;
import org.eclipse.jetty.client.Request;
import org.eclipse.jetty.client.Response;
import org.eclipse.jetty.client.Result;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * The gateway's upstream hop: Jetty's {@link HttpClient} (the same Jetty as its server) as the
 * pipeline's {@link AnthropicHttp.Wire}. The JDK client it replaces handed every exchange between its
 * selector thread, its executor and the caller; on two cores it topped out well below the server
 * (docs/benchmarks.md, the gateway section). HTTP/1.1 with a connection pool to every upstream, as the
 * official SDKs speak it; no decoding of the body (it is relayed as it comes), no redirects, and no
 * protocol handling of its own (a 401 without {@code WWW-Authenticate}, as the API sends it, is an answer).
 *
 * <p>A stream's body is read as it comes: Jetty asks the upstream for more only once the chunk it holds
 * has been read, so a slow client slows the upstream read. Closing the body before its end aborts the
 * exchange (a client that went away ends the upstream stream); so does cancelling a future. Futures are
 * completed on a virtual thread, never on Jetty's own, so whatever the pipeline does next (it may read
 * an error body whole) cannot hold up the threads that deliver the bytes.
 */
public final class JettyWire implements AnthropicHttp.Wire {

    /** A whole answer larger than this fails (a Messages answer is at most a few hundred KB; results stream). */
    private static final int WHOLE_LIMIT = 64 * 1024 * 1024;
    /** Idle allowance while an exchange is in flight: the pipeline keeps each request's own deadline. */
    private static final long IN_FLIGHT_IDLE_MS = TimeUnit.HOURS.toMillis(2);

    private final HttpClient client;
    private final ExecutorService completions = Executors.newVirtualThreadPerTaskExecutor();

    /** Started at once; {@code connectTimeoutMs} bounds opening a connection. */
    public JettyWire(long connectTimeoutMs) {
        QueuedThreadPool threads = new QueuedThreadPool(64, 2);
        threads.setName("pacer-upstream");
        threads.setDaemon(true);
        client = new HttpClient();
        client.setExecutor(threads);
        client.setConnectTimeout(connectTimeoutMs);
        client.setIdleTimeout(30_000); // a pooled connection nobody uses
        client.setMaxConnectionsPerDestination(32_768); // every open stream holds one
        client.setMaxRequestsQueuedPerDestination(65_536);
        client.setFollowRedirects(false);
        client.setUserAgentField(null); // the caller's user-agent goes on as it is, or none
        try {
            client.start();
        } catch (Exception e) {
            throw new IllegalStateException("The gateway's upstream client could not start: " + e.getMessage(), e);
        }
        // after start, which installs the defaults:
        client.getContentDecoderFactories().clear(); // bytes as they come: no accept-encoding, no decoding
        client.getProtocolHandlers().clear(); // a 401 or 407 is the caller's answer, not a challenge for this client to take up
    }

    @Override
    public CompletableFuture<AnthropicHttp.Response> send(String method, URI uri, Map<String, String> headers, byte[] body) {
        Request request = request(method, uri, headers, body);
        CompletableFuture<AnthropicHttp.Response> result = abortingOnCancel(request);
        request.send(new BufferingResponseListener(WHOLE_LIMIT) {
            @Override
            public void onComplete(Result outcome) {
                if (outcome.getResponseFailure() != null || outcome.getResponse().getStatus() <= 0) {
                    // a failed request with a whole response (a refusal sent before the body was read) is an answer
                    fail(result, outcome.getFailure());
                } else {
                    Response r = outcome.getResponse();
                    AnthropicHttp.Response answer = new AnthropicHttp.Response(r.getStatus(), headersOf(r.getHeaders()), getContent());
                    completions.execute(() -> result.complete(answer));
                }
            }
        });
        return result;
    }

    @Override
    public CompletableFuture<AnthropicHttp.Streaming> sendStreaming(String method, URI uri, Map<String, String> headers, byte[] body) {
        Request request = request(method, uri, headers, body);
        CompletableFuture<AnthropicHttp.Streaming> result = abortingOnCancel(request);
        request.send(new InputStreamResponseListener() {
            @Override
            public void onHeaders(Response response) {
                super.onHeaders(response);
                InputStream in = getInputStream();
                AnthropicHttp.Streaming answer = new AnthropicHttp.Streaming(response.getStatus(), headersOf(response.getHeaders()), in);
                completions.execute(() -> {
                    if (!result.complete(answer)) {
                        closeQuietly(in); // cancelled meanwhile: nobody will read it
                    }
                });
            }

            @Override
            public void onComplete(Result outcome) {
                super.onComplete(outcome);
                if (outcome.isFailed() && !result.isDone()) {
                    fail(result, outcome.getFailure()); // before the headers; after them, the body's read fails
                }
            }
        });
        return result;
    }

    private Request request(String method, URI uri, Map<String, String> headers, byte[] body) {
        Request request = client.newRequest(uri).method(method).idleTimeout(IN_FLIGHT_IDLE_MS, TimeUnit.MILLISECONDS)
                .headers(h -> headers.forEach(h::put));
        if (body != null) {
            request.body(new BytesRequestContent(headers.getOrDefault("content-type", "application/json"), body));
        }
        return request;
    }

    private static <T> CompletableFuture<T> abortingOnCancel(Request request) {
        CompletableFuture<T> result = new CompletableFuture<>();
        result.whenComplete((r, error) -> {
            if (error instanceof CancellationException) {
                request.abort(error);
            }
        });
        return result;
    }

    /** Fails {@code result} with an {@link IOException} (the pipeline classifies those as transport failures). */
    private void fail(CompletableFuture<?> result, Throwable error) {
        Throwable failure = error instanceof IOException || error instanceof java.util.concurrent.TimeoutException ? error
                : new IOException(error.getClass().getSimpleName() + ": " + error.getMessage(), error);
        completions.execute(() -> result.completeExceptionally(failure));
    }

    static HttpHeaders headersOf(HttpFields fields) {
        Map<String, List<String>> map = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        for (HttpField f : fields) {
            map.computeIfAbsent(f.getName().toLowerCase(Locale.ROOT), n -> new ArrayList<>()).add(f.getValue());
        }
        return HttpHeaders.of(map, (n, v) -> true);
    }

    private static void closeQuietly(InputStream in) {
        try {
            in.close();
        } catch (IOException ignored) {
            // aborting a body nobody wants
        }
    }

    @Override
    public void close() {
        try {
            client.stop();
        } catch (Exception ignored) {
            // stopping: connections are closed either way
        }
        completions.close();
    }
}
