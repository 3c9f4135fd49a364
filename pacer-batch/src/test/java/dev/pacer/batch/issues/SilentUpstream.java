package dev.pacer.batch.issues;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * An upstream that does not answer, as a hostile one would: it accepts each connection, reads the
 * request whole, records it as "first message's text, model", and closes without a byte of answer.
 */
final class SilentUpstream implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final ServerSocket server = new ServerSocket(0, 100, InetAddress.getLoopbackAddress());
    private final List<String> attempts = new CopyOnWriteArrayList<>();

    SilentUpstream() throws IOException {
        Thread.ofVirtual().start(() -> {
            while (!server.isClosed()) {
                try {
                    Socket socket = server.accept();
                    Thread.ofVirtual().start(() -> readAndClose(socket));
                } catch (IOException closed) {
                    return;
                }
            }
        });
    }

    String baseUrl() {
        return "http://127.0.0.1:" + server.getLocalPort();
    }

    /** Every request that reached it whole, in order. */
    List<String> attempts() {
        return attempts;
    }

    /** Distinct (request, model) pairs: each one's first attempt is not a retry. */
    int firstAttempts() {
        return new HashSet<>(attempts).size();
    }

    private void readAndClose(Socket socket) {
        try (socket; InputStream in = socket.getInputStream()) {
            String head = readHead(in);
            int length = 0;
            for (String line : head.split("\r\n")) {
                if (line.toLowerCase().startsWith("content-length:")) {
                    length = Integer.parseInt(line.substring(15).trim());
                }
            }
            JsonNode body = JSON.readTree(in.readNBytes(length));
            attempts.add(body.path("messages").get(0).path("content").asText() + " " + body.path("model").asText());
        } catch (IOException | RuntimeException dropped) {
            // the client gave up first: not an attempt that reached us whole
        }
    }

    private static String readHead(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int matched = 0;
        for (int b; (b = in.read()) != -1; ) {
            head.write(b);
            matched = (b == "\r\n\r\n".charAt(matched)) ? matched + 1 : (b == '\r' ? 1 : 0);
            if (matched == 4) {
                break;
            }
        }
        return head.toString(StandardCharsets.US_ASCII);
    }

    @Override
    public void close() throws IOException {
        server.close();
    }
}
