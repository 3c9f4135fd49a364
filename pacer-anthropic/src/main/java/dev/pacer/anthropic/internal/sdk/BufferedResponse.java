package dev.pacer.anthropic.internal.sdk;

import com.anthropic.core.http.Headers;
import com.anthropic.core.http.HttpResponse;
import java.io.ByteArrayInputStream;
import java.io.InputStream;

/** A response whose body was read whole (to classify it, or to read its usage) and is replayed to the SDK. */
public final class BufferedResponse implements HttpResponse {

    private final int status;
    private final Headers headers;
    private final byte[] body;

    public BufferedResponse(int status, Headers headers, byte[] body) {
        this.status = status;
        this.headers = headers;
        this.body = body;
    }

    @Override
    public int statusCode() {
        return status;
    }

    @Override
    public Headers headers() {
        return headers;
    }

    @Override
    public InputStream body() {
        return new ByteArrayInputStream(body);
    }

    @Override
    public void close() {
    }

    /** The body. */
    public byte[] bytes() {
        return body;
    }
}
