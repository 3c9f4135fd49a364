package dev.pacer.gateway.functional;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;

/** A client on a plain socket, for traffic no well-behaved HTTP client sends (slow, partial, oversized). */
final class RawClient implements AutoCloseable {

    final Socket socket = new Socket();

    RawClient(String baseUrl) throws IOException {
        URI uri = URI.create(baseUrl);
        socket.connect(new InetSocketAddress(uri.getHost(), uri.getPort()), 5_000);
        socket.setSoTimeout(30_000);
    }

    void send(String text) throws IOException {
        socket.getOutputStream().write(text.getBytes(StandardCharsets.US_ASCII));
        socket.getOutputStream().flush();
    }

    /** What the server sent until it closed the connection (or {@code limit} bytes). */
    String readUntilClosed(int limit) throws IOException {
        InputStream in = socket.getInputStream();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buf = new byte[4096];
        try {
            for (int n; out.size() < limit && (n = in.read(buf)) >= 0; ) {
                out.write(buf, 0, n);
            }
        } catch (SocketTimeoutException e) {
            throw new IOException("the server neither answered nor closed within the socket timeout; got: " + out, e);
        } catch (IOException reset) {
            // a reset is a close too
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    /** True when the server has closed the connection (a read returns the end, or a reset). */
    boolean closedByServer() throws IOException {
        try {
            InputStream in = socket.getInputStream();
            while (true) {
                int b = in.read();
                if (b < 0) {
                    return true;
                }
            }
        } catch (SocketTimeoutException e) {
            return false;
        } catch (IOException reset) {
            return true;
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
