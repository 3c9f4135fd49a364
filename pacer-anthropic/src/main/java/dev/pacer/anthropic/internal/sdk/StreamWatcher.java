package dev.pacer.anthropic.internal.sdk;

import dev.pacer.anthropic.internal.StreamUsage;
import java.io.ByteArrayOutputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;

/**
 * Passes an SSE body through to the SDK unchanged while handing its {@code data:} lines to a
 * {@link StreamUsage} on the way. When the stream ends — fully read, closed early by the caller, or
 * broken — it reports itself, exactly once: what the stream cost (a stream that ends early settles
 * on what was seen, deltas included) and how it ended ({@link #readToEnd}, {@link #failure}).
 */
public final class StreamWatcher extends FilterInputStream {

    private final Consumer<StreamWatcher> onEnd;
    private final ByteArrayOutputStream line = new ByteArrayOutputStream(256);
    private final StreamUsage usage = new StreamUsage();
    private boolean ended;
    private boolean readToEnd;
    private IOException failure;

    /** @param onEnd receives this watcher, once, when the stream ends */
    public StreamWatcher(InputStream in, Consumer<StreamWatcher> onEnd) {
        super(in);
        this.onEnd = onEnd;
    }

    /** What the stream carried. */
    public StreamUsage usage() {
        return usage;
    }

    /** Whether the body was read to its end (rather than closed early or broken). */
    public boolean readToEnd() {
        return readToEnd;
    }

    /** The exception a read failed with, or null. */
    public IOException failure() {
        return failure;
    }

    @Override
    public int read() throws IOException {
        int b;
        try {
            b = super.read();
        } catch (IOException e) {
            end(e);
            throw e;
        }
        if (b < 0) {
            endOfBody();
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
            end(e);
            throw e;
        }
        if (n < 0) {
            endOfBody();
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
            end(null);
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
        if (text.startsWith("data:")) {
            usage.data(text.substring(5).trim());
        }
    }

    private synchronized void endOfBody() {
        if (!ended) {
            readToEnd = true;
            end(null);
        }
    }

    private synchronized void end(IOException error) {
        if (!ended) {
            ended = true;
            failure = error;
            onEnd.accept(this);
        }
    }
}
