package dev.pacer.gateway.internal;

import dev.pacer.gateway.internal.ApiErrors.ApiError;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Blocker;
import org.eclipse.jetty.util.Callback;

/**
 * One client exchange as the handlers see it: its request line and headers, its body read under a
 * limit, and blocking writes (each one sent and flushed before it returns; the handlers run on
 * virtual threads, so a slow client holds a virtual thread, never a platform one, and its slowness
 * is back-pressure on whatever the handler reads next). Ends exactly once, through
 * {@link #finish()} or {@link #fail(Throwable)}.
 */
public final class Exchange {

    private final Request request;
    private final Response response;
    private final Callback callback;
    private final long arrivedNanos = System.nanoTime();
    private final String method;
    private final String path;
    private int status;
    private boolean committed;
    private boolean ended;

    public Exchange(Request request, Response response, Callback callback) {
        this.request = request;
        this.response = response;
        this.callback = callback;
        this.method = request.getMethod();
        this.path = request.getHttpURI().getPath();
    }

    public String method() {
        return method;
    }

    public String path() {
        return path;
    }

    /** The status sent, or 0 before the answer began. */
    public int status() {
        return status;
    }

    /** The path with its query, as the upstream takes it. */
    public String pathAndQuery() {
        String q = request.getHttpURI().getQuery();
        return q == null ? path() : path() + "?" + q;
    }

    /** The base URL the client reached the gateway at (see {@link PublicBase}). */
    public String ownBaseUrl(dev.pacer.gateway.GatewaySettings settings) {
        String host = Request.getServerName(request);
        int port = Request.getServerPort(request);
        String direct = "http://" + (host.contains(":") && !host.startsWith("[") ? "[" + host + "]" : host) + ":" + port;
        return PublicBase.of(settings.publicUrl(), settings.trustForwardedHeaders(), header("forwarded"), header("x-forwarded-proto"),
                header("x-forwarded-host"), header("host"), direct);
    }

    /** A request header, or null. */
    public String header(String name) {
        return request.getHeaders().get(name);
    }

    /** Every request header by lower-case name (repeated ones joined with commas). */
    public Map<String, String> headers() {
        Map<String, String> out = new LinkedHashMap<>();
        for (HttpField f : request.getHeaders()) {
            out.merge(f.getName().toLowerCase(Locale.ROOT), f.getValue(), (a, b) -> a + "," + b);
        }
        return out;
    }

    /** The declared body length, or -1. */
    public long declaredLength() {
        return request.getLength();
    }

    /** The body as a stream (read it once). */
    public InputStream body() {
        return Content.Source.asInputStream(request);
    }

    /** When the gateway started on this exchange ({@link System#nanoTime()}). */
    public long arrivedNanos() {
        return arrivedNanos;
    }

    /** Runs {@code onFailure} if the client's connection fails (say it goes away) while the exchange is open. */
    public void onClientFailure(Runnable onFailure) {
        request.addFailureListener(t -> onFailure.run());
    }

    /** Closes the client's connection at once (a body that does not arrive in time). */
    public void abort() {
        request.getConnectionMetaData().getConnection().getEndPoint().close();
    }

    /** Starts the answer: status and headers, sent with the first write. */
    public void begin(int status, Map<String, String> headers) {
        this.status = status;
        response.setStatus(status);
        headers.forEach((n, v) -> response.getHeaders().add(n, v));
        committed = true;
    }

    public boolean isCommitted() {
        return committed;
    }

    /** Writes and flushes {@code bytes}, blocking until the client took them. */
    public void write(byte[] bytes) throws IOException {
        try (Blocker.Callback cb = Blocker.callback()) {
            response.write(false, ByteBuffer.wrap(bytes), cb);
            cb.block();
        }
    }

    /** Sends a whole answer and ends the exchange. */
    public void send(int status, Map<String, String> headers, byte[] body) {
        begin(status, headers);
        response.getHeaders().put("content-length", Long.toString(body.length));
        ended = true;
        response.write(true, ByteBuffer.wrap(body), callback);
    }

    /** Sends one of the gateway's own refusals, in the API's shape. */
    public void send(ApiError error, Map<String, String> extra) {
        Map<String, String> headers = new LinkedHashMap<>(error.headers());
        headers.putAll(extra);
        headers.put("content-type", "application/json");
        send(error.status(), headers, error.body());
    }

    public void send(ApiError error) {
        send(error, Map.of());
    }

    /** Ends an answer begun with {@link #begin} and written with {@link #write}. */
    public void finish() {
        if (!ended) {
            ended = true;
            response.write(true, ByteBuffer.allocate(0), callback);
        }
    }

    /** Ends the exchange as failed (the connection is closed: a partial answer must not look whole). */
    public void fail(Throwable error) {
        if (!ended) {
            ended = true;
            callback.failed(error);
        }
    }

    public boolean isEnded() {
        return ended;
    }
}
