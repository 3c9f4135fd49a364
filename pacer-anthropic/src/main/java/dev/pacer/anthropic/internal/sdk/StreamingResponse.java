package dev.pacer.anthropic.internal.sdk;

import com.anthropic.core.http.Headers;
import com.anthropic.core.http.HttpResponse;
import java.io.IOException;
import java.io.InputStream;

/** A committed stream handed to the SDK: the original response with its body watched ({@link StreamWatcher}). */
public final class StreamingResponse implements HttpResponse {

    private final HttpResponse response;
    private final InputStream body;

    public StreamingResponse(HttpResponse response, InputStream body) {
        this.response = response;
        this.body = body;
    }

    @Override
    public int statusCode() {
        return response.statusCode();
    }

    @Override
    public Headers headers() {
        return response.headers();
    }

    @Override
    public InputStream body() {
        return body;
    }

    @Override
    public void close() {
        try {
            body.close();
        } catch (IOException ignored) {
            // closing anyway
        }
        response.close();
    }
}
