package dev.pacer.anthropic;

import com.fasterxml.jackson.databind.JsonNode;
import dev.pacer.anthropic.internal.Json;
import dev.pacer.outcome.Outcome;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.http.HttpHeaders;
import java.util.Optional;

/**
 * The answer that ended a call to an endpoint ({@link AnthropicPacer#send}): a success, an answer
 * the request asked for as is ({@link EndpointRequest#withAnswersAsIs}), or the provider's last
 * refusal (a request error at once, or the last failure once retries were spent), with its status,
 * headers, body and classified {@link #outcome()}. A success's body is still arriving (batch results
 * can be large): read it with {@link #body()} or {@link #json()}, or {@link #close()} it. A refusal's
 * body has been read.
 */
public final class EndpointReply implements AutoCloseable {

    private final int status;
    private final HttpHeaders headers;
    private final InputStream body;
    private final Outcome outcome;

    EndpointReply(int status, HttpHeaders headers, InputStream body, Outcome outcome) {
        this.status = status;
        this.headers = headers;
        this.body = body;
        this.outcome = outcome;
    }

    /** The HTTP status. */
    public int status() {
        return status;
    }

    /** True for a 2xx. */
    public boolean isSuccess() {
        return status >= 200 && status < 300;
    }

    /** A header by name (case-insensitive). */
    public Optional<String> header(String name) {
        return headers.firstValue(name);
    }

    /** The headers. */
    public HttpHeaders headers() {
        return headers;
    }

    /** How the engine classified the answer (a refusal's family, error type and message with the request id). */
    public Outcome outcome() {
        return outcome;
    }

    /** The body, to read once. */
    public InputStream body() {
        return body;
    }

    /** The body read whole (and closed). */
    public byte[] bytes() {
        try (InputStream in = body) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException("The body of a " + status + " answer broke off: " + e.getMessage(), e);
        }
    }

    /** The body as JSON, or null when it is empty or not JSON. */
    public JsonNode json() {
        return Json.parse(bytes());
    }

    /** Gives up the rest of the body. */
    @Override
    public void close() {
        try {
            body.close();
        } catch (IOException ignored) {
            // nothing more will be read
        }
    }

    @Override
    public String toString() {
        return "EndpointReply[" + outcome.describe() + "]";
    }
}
