package dev.pacer.anthropic.internal;

import dev.pacer.anthropic.AnthropicHttp;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;
import java.util.function.Function;

/** Pacer's own HTTP client as an endpoint call's {@link EndpointPacing.Transport}: the body as a stream, read only on failure. */
public final class HttpTransport implements EndpointPacing.Transport<AnthropicHttp.Streaming> {

    private final AnthropicHttp http;
    private final AnthropicHttp.Request request;
    private final Consumer<Function<String, Optional<String>>> heard;

    /** {@code heard} is given every answer's headers (the pipeline learns the key's organization from them). */
    public HttpTransport(AnthropicHttp http, AnthropicHttp.Request request, Consumer<Function<String, Optional<String>>> heard) {
        this.http = http;
        this.request = request;
        this.heard = heard;
    }

    @Override
    public CompletionStage<AnthropicHttp.Streaming> send() {
        return http.sendStreaming(request).thenApply(answer -> {
            heard.accept(answer::header);
            return answer;
        });
    }

    @Override
    public int status(AnthropicHttp.Streaming answer) {
        return answer.status();
    }

    @Override
    public Function<String, Optional<String>> headers(AnthropicHttp.Streaming answer) {
        return answer::header;
    }

    @Override
    public byte[] readAndClose(AnthropicHttp.Streaming answer) throws IOException {
        try (InputStream in = answer.body()) {
            return in.readAllBytes();
        }
    }

    @Override
    public AnthropicHttp.Streaming buffered(AnthropicHttp.Streaming answer, byte[] body) {
        return new AnthropicHttp.Streaming(answer.status(), answer.headers(), new ByteArrayInputStream(body));
    }

    @Override
    public Throwable brokenBody(IOException error) {
        return new UncheckedIOException(error);
    }
}
