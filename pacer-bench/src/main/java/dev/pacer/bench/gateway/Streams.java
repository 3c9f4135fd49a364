package dev.pacer.bench.gateway;

import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/** Streaming measurements: time to the first byte of a stream, and many idle streams held open at once. */
final class Streams {

    private static final String STREAM = "{\"model\":\"claude-haiku-4-5\",\"max_tokens\":%d,\"stream\":true,\"metadata\":{\"user_id\":"
            + "\"sim:output_tokens=%d\"},\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}";

    private Streams() {
    }

    private static HttpRequest request(String url, int tokens) {
        return HttpRequest.newBuilder(URI.create(url + "/v1/messages")).header("x-api-key", "sk-ant-test-bench")
                .header("anthropic-version", "2023-06-01").header("content-type", "application/json").POST(HttpRequest.BodyPublishers.ofString(STREAM.formatted(tokens, tokens))).build();
    }

    /** The p50 and p99 of the time to a stream's first body byte over {@code n} streams, one after another, in ms. */
    static double[] timeToFirstByte(String url, int n) throws Exception {
        try (HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build()) {
            double[] ms = new double[n];
            for (int i = -n / 5; i < n; i++) { // the first fifth warms up
                long start = System.nanoTime();
                HttpResponse<InputStream> r;
                try {
                    r = http.send(request(url, 16), HttpResponse.BodyHandlers.ofInputStream());
                } catch (java.io.IOException stale) {
                    // a pooled connection the server had closed (the JDK client does not resend a POST): once more, timed afresh
                    start = System.nanoTime();
                    r = http.send(request(url, 16), HttpResponse.BodyHandlers.ofInputStream());
                }
                try (InputStream in = r.body()) {
                    if (in.read() < 0 || r.statusCode() != 200) {
                        throw new IllegalStateException("a stream from " + url + " answered " + r.statusCode());
                    }
                    long first = System.nanoTime() - start;
                    in.transferTo(java.io.OutputStream.nullOutputStream());
                    if (i >= 0) {
                        ms[i] = first / 1e6;
                    }
                }
            }
            Arrays.sort(ms);
            return new double[] {ms[n / 2], ms[Math.min(n - 1, (int) Math.ceil(n * 0.99) - 1)]};
        }
    }

    /** Opens {@code n} streams through {@code url} that stay open (one token every 20 s); returns them once all have begun. */
    static List<InputStream> holdOpen(String url, int n) throws Exception {
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).executor(Executors.newVirtualThreadPerTaskExecutor()).build();
        List<CompletableFuture<HttpResponse<InputStream>>> opening = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            opening.add(http.sendAsync(request(url, 1000), HttpResponse.BodyHandlers.ofInputStream()));
            if (i % 200 == 199) {
                Thread.sleep(50); // the accept queue, not the gateway, would otherwise be what is measured
            }
        }
        List<InputStream> open = new ArrayList<>();
        int failed = 0;
        String firstFailure = null;
        for (CompletableFuture<HttpResponse<InputStream>> f : opening) {
            try {
                HttpResponse<InputStream> r = f.get(120, TimeUnit.SECONDS);
                if (r.statusCode() == 200) {
                    open.add(r.body());
                } else {
                    failed++;
                    firstFailure = firstFailure != null ? firstFailure : "status " + r.statusCode();
                }
            } catch (java.util.concurrent.ExecutionException e) {
                failed++;
                firstFailure = firstFailure != null ? firstFailure : String.valueOf(e.getCause());
            }
        }
        if (failed > 0) {
            System.out.println(failed + " of " + n + " idle streams did not open (counted out of the figure); the first: " + firstFailure);
        }
        return open;
    }
}
