package dev.pacer.gateway.internal;

import dev.pacer.anthropic.internal.ForwardedHeaders;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;

/**
 * An endpoint the gateway does not know (a new API, {@code /v1/files}, a beta path): relayed as it
 * is, unpaced, rather than refused, with the caller's headers (less hop-by-hop ones) and the
 * upstream key the caller resolves to ({@code anthropic-version} added when the caller sent none, as on
 * the known endpoints). Its answer is copied as it arrives.
 */
public final class PassThrough implements AutoCloseable {

    private static final Set<String> NOT_SENT = Set.of("host", "content-length", "expect", "x-api-key", "authorization",
            "accept-encoding");

    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10))
            .executor(Executors.newVirtualThreadPerTaskExecutor()).build();

    public void handle(Exchange exchange, GatewayRuntime rt, GatewayKeys.Caller caller, CallHeaders asked, byte[] body) {
        String base = rt.settings().upstream().baseUrl();
        base = base.endsWith("/") ? base.substring(0, base.length() - 1) : base;
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + exchange.pathAndQuery())).timeout(Duration.ofMinutes(10));
        if (base.startsWith("http:")) {
            b.version(HttpClient.Version.HTTP_1_1); // no h2c upgrade attempt per connection (see GatewayRuntime's client)
        }
        String connection = asked.forwarded().get("connection");
        for (Map.Entry<String, String> h : asked.forwarded().entrySet()) {
            if (!NOT_SENT.contains(h.getKey()) && !ForwardedHeaders.isHopByHop(h.getKey(), connection)) {
                try {
                    b.setHeader(h.getKey(), h.getValue());
                } catch (IllegalArgumentException refused) {
                    // a header the JDK client sets itself
                }
            }
        }
        if (!asked.forwarded().containsKey("anthropic-version")) {
            b.setHeader("anthropic-version", dev.pacer.anthropic.AnthropicHttp.VERSION); // as the pipeline sends on the known endpoints
        }
        b.setHeader("x-api-key", caller.upstreamKey().secret());
        b.method(exchange.method(), body.length == 0 ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body));
        HttpResponse<InputStream> response;
        try {
            response = client.send(b.build(), HttpResponse.BodyHandlers.ofInputStream());
        } catch (IOException e) {
            exchange.send(ApiErrors.upstreamFailed("The upstream could not be reached for " + exchange.path() + " ("
                    + e.getClass().getSimpleName() + ")."));
            return;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            exchange.send(ApiErrors.unavailable("The gateway is shutting down."));
            return;
        }
        EndpointRelay.copy(exchange, response.statusCode(), UpstreamHeaders.relayed(response.headers()), response.body());
    }

    @Override
    public void close() {
        client.close();
    }
}
