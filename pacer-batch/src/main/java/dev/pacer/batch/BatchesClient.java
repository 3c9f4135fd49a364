package dev.pacer.batch;

import com.fasterxml.jackson.databind.JsonNode;
import dev.pacer.AttemptDeclined;
import dev.pacer.Pacer;
import dev.pacer.anthropic.AnthropicPacer;
import dev.pacer.anthropic.CallOptions;
import dev.pacer.anthropic.EndpointReply;
import dev.pacer.anthropic.EndpointRequest;
import dev.pacer.outcome.OutcomeFamily;
import dev.pacer.retry.RetryPolicy;
import java.io.InputStream;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.function.Function;

/**
 * The Message Batches endpoints as a {@code --via batches} run uses them: create, retrieve, list
 * and results, each a call through the engine ({@link AnthropicPacer#send}) on the key's
 * {@code batches} pool, like every other call: paced to that pool's request limit as learned from
 * its headers, a 429 waited out for the whole pool until its {@code retry-after}, overloads and
 * server errors retried with backoff, the breaker heard. A request error is the user's to fix and
 * ends the run with the API's message.
 *
 * <p>A batch runs for up to a day, so a moment without the API should not end the run: eight
 * attempts a call, backing off from 1 s to 60 s, and up to {@link #PATIENCE} of the provider's time
 * per call (waits for a breaker's probe included); then it ends with "rerun the same command to
 * resume", which loses nothing. A run that is stopping declines whatever has not been sent
 * ({@link CallOptions#withDeclineReason}), and a call other than a create is not waited for: its
 * answer is not needed any more. A create is always waited for, so the run knows whether its
 * batch exists.
 */
final class BatchesClient implements AutoCloseable {

    /** How long one call may keep trying, on the provider's clock. */
    static final Duration PATIENCE = Duration.ofMinutes(5);
    private static final RetryPolicy RETRIES = RetryPolicy.builder().maxAttempts(8).baseDelay(Duration.ofSeconds(1))
            .maxDelay(Duration.ofSeconds(60)).build();

    /** An answer of the Batches API: its status, JSON body and error message (null on success). */
    record Reply(int status, JsonNode body, String message) {
    }

    private final RunOptions options;
    private final StopSignal stop;
    private final AnthropicPacer claude;

    BatchesClient(RunOptions options, StopSignal stop) {
        this(options, stop, pacer -> {
        });
    }

    BatchesClient(RunOptions options, StopSignal stop, java.util.function.Consumer<Pacer> onEngine) {
        this.options = options;
        this.stop = stop;
        Pacer pacer = Pacer.builder().clock(options.clock()).scheduler(options.scheduler()).retryPolicy(RETRIES).build();
        onEngine.accept(pacer);
        this.claude = AnthropicPacer.builder().baseUrl(options.baseUrl()).apiKey(options.apiKey()).pacer(pacer).build();
    }

    /**
     * Creates a batch. With {@code queueFullIsAnAnswer}, a 429 is returned rather than waited out: while
     * this run's own batches are queued, it is the processing-queue limit, and waiting for them beats
     * retrying; with none of ours outstanding it is the endpoints' rate limit. Null when the run
     * stopped before the create was sent again: whether an earlier attempt reached the API is for
     * the next run to find out ({@link BatchRecovery}).
     */
    Reply create(byte[] body, boolean queueFullIsAnAnswer) {
        EndpointRequest create = EndpointRequest.post("/v1/messages/batches", body).withTimeout(Duration.ofMinutes(5));
        return json(queueFullIsAnAnswer ? create.withAnswersAsIs(429) : create, "creating a batch", true);
    }

    /** A batch's state; a 404 (the API does not know it) is returned to the caller. Null when the run stopped first. */
    Reply retrieve(String id) {
        return json(EndpointRequest.get("/v1/messages/batches/" + id).withAnswersAsIs(404), "polling batch " + id, false);
    }

    /** One page of this key's batches, newest first, after {@code afterId} (null: from the newest); null when the run stopped first. */
    JsonNode list(String afterId) {
        String cursor = afterId == null ? "" : "&after_id=" + afterId;
        Reply r = json(EndpointRequest.get("/v1/messages/batches?limit=100" + cursor), "listing batches", false);
        return r == null ? null : r.body();
    }

    /**
     * The API's time now, from its own answer to a cheap call: the requests limit's reset (when its
     * bucket is full again: now, or up to a minute later), else the {@code Date} header, else this
     * machine's (the run's) clock.
     */
    Instant now() {
        try (EndpointReply r = claude.send(EndpointRequest.get("/v1/messages/batches?limit=1"), callOptions()).join()) {
            return providerNow(r::header).orElseGet(() -> options.clock().instant());
        } catch (RuntimeException unreachable) {
            return options.clock().instant(); // the create that follows will say what is wrong
        }
    }

    static Optional<Instant> providerNow(Function<String, Optional<String>> header) {
        try {
            Optional<String> reset = header.apply("anthropic-ratelimit-requests-reset");
            if (reset.isPresent()) {
                return Optional.of(Instant.parse(reset.get().trim()));
            }
            return header.apply("date").map(d -> ZonedDateTime.parse(d.trim(), DateTimeFormatter.RFC_1123_DATE_TIME).toInstant());
        } catch (DateTimeParseException garbled) {
            return Optional.empty();
        }
    }

    /** The results of an ended batch, as a stream of JSONL lines (the caller closes it); null when the run stopped first. */
    InputStream results(String id) {
        String what = "downloading the results of batch " + id;
        EndpointReply r = answer(EndpointRequest.get("/v1/messages/batches/" + id + "/results").withTimeout(Duration.ofMinutes(30)),
                what, false);
        if (r == null) {
            return null;
        }
        if (!r.isSuccess()) {
            throw failure(r, what);
        }
        return r.body();
    }

    /** The call's answer as JSON: a success or a status asked for as it is. */
    private Reply json(EndpointRequest request, String what, boolean waitThroughStop) {
        EndpointReply r = answer(request, what, waitThroughStop);
        if (r == null) {
            return null;
        }
        if (!r.isSuccess() && !request.answeredAsIs().contains(r.status())) {
            throw failure(r, what);
        }
        JsonNode body = r.json();
        if (r.isSuccess() && body == null) {
            throw new BatchException("The Batches API answered " + what + " with a body that is not JSON; rerun the same command to resume.");
        }
        return new Reply(r.status(), body, r.isSuccess() ? null : message(r.status(), body));
    }

    /** The answer that ended the call, or null when the run stopped before it came (and it is not worth waiting for). */
    private EndpointReply answer(EndpointRequest request, String what, boolean waitThroughStop) {
        CompletableFuture<EndpointReply> call = claude.send(request, callOptions());
        try {
            if (!waitThroughStop) {
                CompletableFuture.anyOf(call, stop.future()).get();
                if (!call.isDone()) {
                    call.whenComplete((r, e) -> {
                        if (r != null) {
                            r.close(); // answered after all: nobody reads it
                        }
                    });
                    return null;
                }
            }
            return call.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            stop.set(StopSignal.Reason.INTERRUPTED);
            return null;
        } catch (ExecutionException | CompletionException e) {
            if (stop.isSet() && (!waitThroughStop || declined(e))) {
                return null;
            }
            throw new BatchException("Cannot reach the Batches API at " + options.baseUrl() + " while " + what + " ("
                    + rootMessage(e) + "); rerun the same command to resume.");
        }
    }

    private CallOptions callOptions() {
        return CallOptions.defaults().withDeadline(options.clock().instant().plus(PATIENCE))
                .withDeclineReason(() -> stop.isSet() ? "the run is stopping" : null);
    }

    /** What a refusal means for the run: the API kept failing (rerun later), or it refused the request (fix it). */
    private static BatchException failure(EndpointReply r, String what) {
        String message = message(r.status(), r.json());
        OutcomeFamily family = r.outcome().family();
        if (family.isProviderFailure() || family == OutcomeFamily.RATE_LIMITED) {
            return new BatchException("The Batches API kept failing while " + what + " (" + message + "); rerun the same command to resume.");
        }
        return new BatchException("The Batches API refused " + what + ": " + message + ".");
    }

    private static String message(int status, JsonNode body) {
        return body == null ? "HTTP " + status : body.path("error").path("message").asText("HTTP " + status);
    }

    /** Whether a call failed because it declined to send (the run is stopping). */
    private static boolean declined(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof AttemptDeclined) {
                return true;
            }
        }
        return false;
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
        claude.close();
    }
}
