package dev.pacer.anthropic.internal.sdk;

import com.anthropic.core.http.HttpRequestBody;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;

/** A JSON request body held in memory, so an attempt can be sent again (or with another model). */
public final class BytesBody implements HttpRequestBody {

    private final byte[] bytes;

    public BytesBody(byte[] bytes) {
        this.bytes = bytes;
    }

    @Override
    public void writeTo(OutputStream out) {
        try {
            out.write(bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public String contentType() {
        return "application/json";
    }

    @Override
    public long contentLength() {
        return bytes.length;
    }

    @Override
    public boolean repeatable() {
        return true;
    }

    @Override
    public void close() {
    }
}
