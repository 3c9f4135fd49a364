package dev.pacer.anthropic.sdk;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pacer.anthropic.Usage;
import java.io.ByteArrayOutputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.function.BiConsumer;

/**
 * Passes an SSE body through to the SDK unchanged while reading its {@code data:} lines on the way:
 * the usage of {@code message_start} and the cumulative usage of each {@code message_delta}, and any
 * {@code event: error}. When the stream ends — fully read, closed early by the caller, or broken —
 * it reports the usage seen (a stream that ends early settles on what was seen) and whether it ended
 * with an error, exactly once.
 */
final class StreamWatcher extends FilterInputStream {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final BiConsumer<Usage, String> onEnd;
    private final ByteArrayOutputStream line = new ByteArrayOutputStream(256);
    private Usage usage = new Usage(0, 0, 0, 0);
    private String error;
    private boolean ended;

    /** @param onEnd receives the usage seen and the error type (null when none) */
    StreamWatcher(InputStream in, BiConsumer<Usage, String> onEnd) {
        super(in);
        this.onEnd = onEnd;
    }

    @Override
    public int read() throws IOException {
        int b;
        try {
            b = super.read();
        } catch (IOException e) {
            end();
            throw e;
        }
        if (b < 0) {
            end();
        } else {
            scan(b);
        }
        return b;
    }

    @Override
    public int read(byte[] buf, int off, int len) throws IOException {
        int n;
        try {
            n = super.read(buf, off, len);
        } catch (IOException e) {
            end();
            throw e;
        }
        if (n < 0) {
            end();
        } else {
            for (int i = 0; i < n; i++) {
                scan(buf[off + i]);
            }
        }
        return n;
    }

    @Override
    public void close() throws IOException {
        try {
            super.close();
        } finally {
            end();
        }
    }

    private void scan(int b) {
        if (b != '\n') {
            if (line.size() < 1 << 20) {
                line.write(b);
            }
            return;
        }
        String text = line.toString(StandardCharsets.UTF_8).trim();
        line.reset();
        if (!text.startsWith("data:")) {
            return;
        }
        try {
            JsonNode data = JSON.readTree(text.substring(5).trim());
            switch (data.path("type").asText()) {
                case "message_start" -> usage = Usage.of(data.path("message").path("usage"));
                case "message_delta" -> usage = usage.merge(data.path("usage"));
                case "error" -> error = data.path("error").path("type").asText("error");
                default -> {
                }
            }
        } catch (IOException ignored) {
            // not JSON: not ours to judge; the SDK will
        }
    }

    private synchronized void end() {
        if (!ended) {
            ended = true;
            onEnd.accept(usage, error);
        }
    }
}
