package dev.pacer.batch;

import com.fasterxml.jackson.databind.JsonNode;
import dev.pacer.anthropic.AnthropicHttp;
import dev.pacer.time.ScaledClock;
import java.io.InputStream;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Optional;

/**
 * The Message Batches endpoints as a {@code --via batches} run uses them: create, retrieve, list
 * and results. Each call waits out the endpoints' rate limit ({@code retry-after}, else a doubling
 * backoff) and retries server errors and unreachable moments, eight attempts at most; a request
 * error is the user's to fix and ends the run with the API's message. A wait is a wait on the
 * run's {@link StopSignal}, so a stop is acted on at once.
 */
final class BatchesClient implements AutoCloseable {

    private static final int ATTEMPTS = 8;

    /** An answer of the Batches API: its status, JSON body and error message (null on success). */
    record Reply(int status, JsonNode body, String message) {
    }

    private final RunOptions options;
    private final StopSignal stop;
    private final AnthropicHttp http;

    BatchesClient(RunOptions options, StopSignal stop) {
        this.options = options;
        this.stop = stop;
        this.http = BatchRunner.http(options);
    }

    /**
     * Creates a batch. With {@code queueFullIsAnAnswer}, a 429 is returned rather than waited out: while
     * this run's own batches are queued, it is the processing-queue limit, and waiting for them beats
     * retrying; with none of ours outstanding it is the endpoints' rate limit.
     */
    Reply create(byte[] body, boolean queueFullIsAnAnswer) {
        return call(() -> http.post("/v1/messages/batches", body, Duration.ofMinutes(5)).join(), "creating a batch",
                queueFullIsAnAnswer ? 429 : -1);
    }

    /** A batch's state; a 404 (the API does not know it) is returned to the caller. */
    Reply retrieve(String id) {
        return call(() -> http.get("/v1/messages/batches/" + id, Duration.ofSeconds(60)).join(), "polling batch " + id, 404);
    }

    /** One page of this key's batches, newest first, after {@code afterId} (null: from the newest). */
    JsonNode list(String afterId) {
        String cursor = afterId == null ? "" : "&after_id=" + afterId;
        return call(() -> http.get("/v1/messages/batches?limit=100" + cursor, Duration.ofSeconds(60)).join(), "listing batches", -1).body();
    }

    /**
     * The API's time now, from its own answer to a cheap call: the requests limit's reset (when its
     * bucket is full again: now, or up to a minute later), else the {@code Date} header, else this
     * machine's (the run's) clock.
     */
    Instant now() {
        AnthropicHttp.Response r;
        try {
            r = http.get("/v1/messages/batches?limit=1", Duration.ofSeconds(60)).join();
        } catch (RuntimeException unreachable) {
            return options.clock().instant(); // the create that follows will say what is wrong
        }
        return providerNow(r).orElseGet(() -> options.clock().instant());
    }

    static Optional<Instant> providerNow(AnthropicHttp.Response r) {
        try {
            Optional<String> reset = r.header("anthropic-ratelimit-requests-reset");
            if (reset.isPresent()) {
                return Optional.of(Instant.parse(reset.get().trim()));
            }
            return r.header("date").map(d -> ZonedDateTime.parse(d.trim(), DateTimeFormatter.RFC_1123_DATE_TIME).toInstant());
        } catch (DateTimeParseException garbled) {
            return Optional.empty();
        }
    }

    /** The results of an ended batch, as a stream of JSONL lines (the caller closes it). */
    InputStream results(String id) {
        for (int attempt = 1; ; attempt++) {
            try {
                AnthropicHttp.Streaming s = http.getStreaming("/v1/messages/batches/" + id + "/results", Duration.ofMinutes(30)).join();
                if (s.status() == 200) {
                    return s.body();
                }
                s.body().close();
                if (attempt >= ATTEMPTS || (s.status() < 500 && s.status() != 429)) {
                    throw new BatchException("Downloading the results of batch " + id + " failed (HTTP " + s.status() + "); rerun the same command to resume.");
                }
            } catch (BatchException e) {
                throw e;
            } catch (Exception e) {
                if (attempt >= ATTEMPTS) {
                    throw new BatchException("Cannot download the results of batch " + id + " (" + rootMessage(e) + "); rerun the same command to resume.");
                }
            }
            stop.await(Duration.ofSeconds(attempt));
        }
    }

    /**
     * Calls the Batches API, waiting out its rate limit ({@code retry-after}, else a doubling
     * backoff) and retrying server errors; request errors are the user's to fix. A status equal
     * to {@code giveBack} is returned to the caller instead.
     */
    private Reply call(ThrowingSupplier<AnthropicHttp.Response> call, String what, int giveBack) {
        Duration backoff = Duration.ofSeconds(1);
        for (int attempt = 1; ; attempt++) {
            AnthropicHttp.Response r;
            try {
                r = call.get();
            } catch (Exception e) {
                if (attempt >= ATTEMPTS) {
                    throw new BatchException("Cannot reach the Batches API at " + options.baseUrl() + " while " + what + " ("
                            + rootMessage(e) + "); rerun the same command to resume.");
                }
                stop.await(backoff);
                backoff = backoff.multipliedBy(2);
                continue;
            }
            JsonNode body = BatchRunner.parse(r.body());
            String message = body == null ? "HTTP " + r.status() : body.path("error").path("message").asText("HTTP " + r.status());
            if (r.status() == 200 && body != null) {
                return new Reply(200, body, null);
            }
            if (r.status() == giveBack) {
                return new Reply(r.status(), body, message);
            }
            if (r.status() == 429 || r.status() >= 500 || body == null) {
                if (attempt >= ATTEMPTS) {
                    throw new BatchException("The Batches API kept failing while " + what + " (" + message + "); rerun the same command to resume.");
                }
                Duration wait = backoff;
                try {
                    wait = r.header("retry-after").map(v -> Duration.ofMillis((long) (Double.parseDouble(v.trim()) * 1000))).orElse(backoff);
                } catch (NumberFormatException ignored) {
                    // keep the backoff
                }
                // retry-after is in the provider's time; a time-scaled simulator's seconds are shorter.
                stop.await(options.clock() instanceof ScaledClock sc ? Duration.ofNanos((long) (wait.toNanos() / sc.scale())) : wait);
                backoff = backoff.multipliedBy(2);
                continue;
            }
            throw new BatchException("The Batches API refused " + what + ": " + message + ".");
        }
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
    }

    @Override
    public void close() {
        http.close();
    }

    @FunctionalInterface
    private interface ThrowingSupplier<T> {
        T get() throws Exception;
    }
}
