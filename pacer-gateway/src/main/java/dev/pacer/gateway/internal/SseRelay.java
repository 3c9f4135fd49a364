package dev.pacer.gateway.internal;

import dev.pacer.anthropic.MessageStream;
import dev.pacer.anthropic.SseReader;
import dev.pacer.anthropic.StreamFailed;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * Relays an open stream to the client event by event: each event is written and flushed before
 * the next is read from upstream, so a slow client slows the upstream read (back-pressure through
 * TCP, nothing buffered beyond one event), and a client that goes away ends the upstream stream at
 * once, which settles on what was seen. A stream that breaks off upstream after its first event
 * (it cannot be retried: the client has part of it) ends with the API's own {@code event: error}.
 */
public final class SseRelay {

    private SseRelay() {
    }

    /** Relays {@code stream} with {@code headers}; returns true when the client got the whole stream. */
    public static boolean relay(Exchange exchange, MessageStream stream, Map<String, String> headers) {
        headers.put("content-type", "text/event-stream; charset=utf-8");
        headers.put("cache-control", "no-cache");
        exchange.begin(200, headers);
        exchange.onClientFailure(stream::close);
        try (stream) {
            for (SseReader.Event e; (e = stream.next()) != null; ) {
                exchange.write(frame(e.name(), e.data()));
            }
            exchange.finish();
            return true;
        } catch (StreamFailed failed) {
            String type = failed.outcome().errorType() != null ? failed.outcome().errorType() : "api_error";
            String message = failed.outcome().message() == null ? "The upstream stream broke off." : failed.outcome().message();
            try {
                exchange.write(frame("error", new ApiErrors.ApiError(0, type, message, Map.of()).bodyText()));
                exchange.finish();
            } catch (IOException gone) {
                exchange.fail(gone);
            }
            return false;
        } catch (IOException clientGone) {
            exchange.fail(clientGone);
            return false;
        }
    }

    /** One event on the wire: multi-line data as several {@code data:} lines. */
    static byte[] frame(String name, String data) {
        StringBuilder sb = new StringBuilder(data.length() + name.length() + 16).append("event: ").append(name).append('\n');
        for (String line : data.split("\n", -1)) {
            sb.append("data: ").append(line).append('\n');
        }
        return sb.append('\n').toString().getBytes(StandardCharsets.UTF_8);
    }
}
