package dev.pacer.bench.gateway;

import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * An open-loop load generator at a fixed rate (what {@code wrk2} does, which Debian does not package):
 * requests are due on a fixed schedule, spread over keep-alive connections (one thread each,
 * plain HTTP/1.1 on a socket, so the generator costs little beside what it measures), and each
 * latency is counted from the instant its request was <em>due</em>, not from when it went out: a
 * server that stalls is charged for every request that should have been sent meanwhile (no
 * coordinated omission).
 */
final class FixedRate {

    /** One run: the rate asked and reached, latency p50/p99/p99.9 in ms, answers that were not 2xx, and failed connections. */
    record Run(double askedRps, double reachedRps, double p50Ms, double p99Ms, double p999Ms, long non2xx, long errors) {
    }

    private FixedRate() {
    }

    /** Posts {@code body} to {@code url} at {@code rps} for {@code seconds} over {@code connections} connections. */
    static Run run(String url, Map<String, String> headers, String body, double rps, int connections, int seconds) throws Exception {
        URI uri = URI.create(url);
        StringBuilder head = new StringBuilder("POST ").append(uri.getRawPath()).append(" HTTP/1.1\r\nHost: ").append(uri.getHost())
                .append(':').append(uri.getPort()).append("\r\ncontent-type: application/json\r\nx-api-key: sk-ant-test-bench\r\n")
                .append("anthropic-version: 2023-06-01\r\n");
        headers.forEach((n, v) -> head.append(n).append(": ").append(v).append("\r\n"));
        byte[] bodyBytes = body.getBytes(StandardCharsets.UTF_8);
        byte[] request = (head + "content-length: " + bodyBytes.length + "\r\n\r\n" + body).getBytes(StandardCharsets.UTF_8);
        long total = Math.max(1, (long) (rps * seconds));
        long intervalNanos = (long) (1e9 / rps);
        long[] latencies = new long[(int) total];
        AtomicLong non2xx = new AtomicLong();
        AtomicLong errors = new AtomicLong();
        AtomicLong done = new AtomicLong();
        long start = System.nanoTime() + 50_000_000L;
        List<Thread> threads = new ArrayList<>();
        for (int c = 0; c < connections; c++) {
            int first = c;
            threads.add(Thread.ofPlatform().daemon().start(() -> {
                Connection socket = null;
                for (long i = first; i < total; i += connections) {
                    long due = start + i * intervalNanos;
                    long wait = due - System.nanoTime();
                    if (wait > 0) {
                        LockSupport.parkNanos(wait);
                    }
                    try {
                        if (socket == null) {
                            socket = new Connection(uri);
                        }
                        int status = socket.exchange(request);
                        if (status < 200 || status > 299) {
                            non2xx.incrementAndGet();
                        }
                        latencies[(int) i] = System.nanoTime() - due;
                        done.incrementAndGet();
                    } catch (IOException e) {
                        errors.incrementAndGet();
                        latencies[(int) i] = -1;
                        if (socket != null) {
                            socket.close();
                        }
                        socket = null;
                    }
                }
                if (socket != null) {
                    socket.close();
                }
            }));
        }
        for (Thread t : threads) {
            t.join();
        }
        double elapsed = (System.nanoTime() - start) / 1e9;
        long[] ok = Arrays.stream(latencies).filter(l -> l >= 0).sorted().toArray();
        return new Run(rps, done.get() / elapsed, pct(ok, 0.50), pct(ok, 0.99), pct(ok, 0.999), non2xx.get(), errors.get());
    }

    private static double pct(long[] sorted, double q) {
        return sorted.length == 0 ? Double.NaN : sorted[(int) Math.min(sorted.length - 1, Math.floor(q * sorted.length))] / 1e6;
    }

    static String describe(Run r) {
        return String.format(Locale.ROOT, "%,.0f req/s asked, %,.0f reached, p50 %.2f ms, p99 %.2f ms, p99.9 %.2f ms%s%s", r.askedRps(),
                r.reachedRps(), r.p50Ms(), r.p99Ms(), r.p999Ms(), r.non2xx() > 0 ? ", " + r.non2xx() + " not 2xx" : "",
                r.errors() > 0 ? ", " + r.errors() + " failed" : "");
    }

    /** One keep-alive connection: sends a request and reads its whole answer (content-length or chunked). */
    private static final class Connection {
        private final Socket socket = new Socket();
        private final InputStream in;
        private final OutputStream out;

        Connection(URI uri) throws IOException {
            socket.setTcpNoDelay(true);
            socket.connect(new InetSocketAddress(uri.getHost(), uri.getPort()), 10_000);
            in = new BufferedInputStream(socket.getInputStream(), 16 * 1024);
            out = socket.getOutputStream();
        }

        /** Sends {@code request}; returns the answer's status once it was read whole. */
        int exchange(byte[] request) throws IOException {
            out.write(request);
            out.flush();
            return read();
        }

        void close() {
            try {
                socket.close();
            } catch (IOException ignored) {
                // closing
            }
        }

        int read() throws IOException {
            String status = line();
            int code = Integer.parseInt(status.substring(9, 12));
            long length = -1;
            boolean chunked = false;
            for (String h; !(h = line()).isEmpty(); ) {
                String lower = h.toLowerCase(Locale.ROOT);
                if (lower.startsWith("content-length:")) {
                    length = Long.parseLong(lower.substring(15).trim());
                } else if (lower.startsWith("transfer-encoding:") && lower.contains("chunked")) {
                    chunked = true;
                }
            }
            if (chunked) {
                for (long n; (n = Long.parseLong(line().split(";")[0].trim(), 16)) > 0; ) {
                    skip(n);
                    line();
                }
                while (!line().isEmpty()) {
                    // trailers
                }
            } else if (length > 0) {
                skip(length);
            }
            return code;
        }

        private void skip(long n) throws IOException {
            while (n > 0) {
                long s = in.skip(n);
                if (s <= 0) {
                    if (in.read() < 0) {
                        throw new EOFException("the connection closed mid-answer");
                    }
                    s = 1;
                }
                n -= s;
            }
        }

        private String line() throws IOException {
            StringBuilder sb = new StringBuilder(64);
            for (int c; (c = in.read()) != '\n'; ) {
                if (c < 0) {
                    throw new EOFException("the connection closed");
                }
                if (c != '\r') {
                    sb.append((char) c);
                }
            }
            return sb.toString();
        }
    }
}
