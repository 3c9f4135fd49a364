package dev.pacer.anthropic;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;

/**
 * Reads server-sent events: {@code event:} and {@code data:} lines, events separated by a blank
 * line, comments ignored, multi-line data joined with newlines. {@link #next()} returns null at
 * the end of the stream (which may come without {@code message_stop}).
 */
public final class SseReader implements AutoCloseable {

    /** One event. */
    public record Event(String name, String data) {
    }

    private final BufferedReader reader;

    public SseReader(InputStream in) {
        this.reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
    }

    /** The next event, or null at the end of the stream. */
    public Event next() throws IOException {
        String name = null;
        StringBuilder data = null;
        String line;
        while ((line = reader.readLine()) != null) {
            if (line.isEmpty()) {
                if (name != null || data != null) {
                    return new Event(name == null ? "message" : name, data == null ? "" : data.toString());
                }
                continue;
            }
            if (line.startsWith(":")) {
                continue;
            }
            int colon = line.indexOf(':');
            String field = colon < 0 ? line : line.substring(0, colon);
            String value = colon < 0 ? "" : line.substring(colon + 1);
            if (value.startsWith(" ")) {
                value = value.substring(1);
            }
            if (field.equals("event")) {
                name = value;
            } else if (field.equals("data")) {
                if (data == null) {
                    data = new StringBuilder(value);
                } else {
                    data.append('\n').append(value);
                }
            }
        }
        if (name != null || data != null) {
            return new Event(name == null ? "message" : name, data == null ? "" : data.toString());
        }
        return null;
    }

    @Override
    public void close() throws IOException {
        reader.close();
    }
}
