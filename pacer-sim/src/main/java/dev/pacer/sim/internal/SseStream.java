package dev.pacer.sim.internal;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Server-sent events onto a chunked response. Events are buffered until {@link #flush()}, which
 * the writer calls whenever it is about to wait, so every event reaches the client as soon as it
 * is generated while events due at the same instant share one write.
 */
final class SseStream {

    private final OutputStream out;
    private final Runnable beforeLastWrite;
    private final StringBuilder pending = new StringBuilder(256);

    /** {@code beforeLastWrite} runs right before {@link #end()} writes the last events. */
    SseStream(OutputStream out, Runnable beforeLastWrite) {
        this.out = out;
        this.beforeLastWrite = beforeLastWrite;
    }

    void event(String name, JsonNode data) throws IOException {
        pending.append("event: ").append(name).append("\ndata: ").append(Json.MAPPER.writeValueAsString(data)).append("\n\n");
    }

    void flush() throws IOException {
        if (!pending.isEmpty()) {
            out.write(pending.toString().getBytes(StandardCharsets.UTF_8));
            pending.setLength(0);
        }
        out.flush();
    }

    /** Flushes and ends the body cleanly. */
    void end() throws IOException {
        beforeLastWrite.run();
        flush();
        out.close();
    }
}
