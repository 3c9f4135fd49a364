package dev.pacer.batch;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pacer.anthropic.AnthropicHttp;
import dev.pacer.anthropic.ModelClasses;
import dev.pacer.anthropic.TokenEstimator;
import dev.pacer.anthropic.Usage;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The {@code --via batches} path: the requests go to the Message Batches API at half price.
 *
 * <ol>
 *   <li>Batches already recorded in the run state and not merged yet are polled and merged (a
 *       resume never creates a batch twice). Requests of merged batches that still have no
 *       result (held back for a resubmission when the last run stopped) are submitted again.</li>
 *   <li>The rest is split within the API's limits (100,000 requests, 256 MB) and every batch is
 *       created at once, so they are processed side by side; before each create the ids it will
 *       cover are recorded as "pending", and the batch id right after, so a crash between the two
 *       is repaired on resume by adopting the batch the API already has rather than creating
 *       another. When the API refuses a create because its processing queue is full, the rest
 *       waits until one of this run's batches ends.</li>
 *   <li>Outstanding batches are polled with backoff (within the batch endpoints' own rate limit:
 *       one request per batch per check, and {@code retry-after} obeyed) and each one's results
 *       are streamed into the results file when it ends.</li>
 *   <li>{@code expired} results and errors worth retrying ({@code api_error},
 *       {@code overloaded_error}, ...) are held back and resubmitted in a new batch, twice at
 *       most per request; after that they are written as they came.</li>
 *   <li>With {@code --max-cost}, a batch is only created for as many requests as fit under the
 *       cap at their worst case (estimated input and {@code max_tokens}, at half price).</li>
 * </ol>
 */
final class BatchesRun {

    private static final int MAX_REQUESTS = 100_000;
    private static final long MAX_BYTES = 200L << 20; // under the 256 MB limit, with room for the envelope
    private static final int RESUBMIT_ROUNDS = 2;
    private static final Set<String> RETRYABLE = RunOptions.RETRYABLE_ERRORS;
    /** How far apart a recorded create and the batch the API shows for it may be (see {@link #adoptPendingCreate}). */
    static final Duration ADOPT_WINDOW = Duration.ofMinutes(10);

    private final RunOptions options;
    private final RunState state;
    private final ResultLog log;
    private final Tally tally;
    private final StopSignal stop;
    private final ModelClasses classes = ModelClasses.defaults();
    private final TokenEstimator estimator = TokenEstimator.defaults();
    /** How many times each request was resubmitted. */
    private final Map<String, Integer> rounds = new HashMap<>();
    /** Worst-case cost of each outstanding batch, for --max-cost. */
    private final Map<String, Double> committed = new HashMap<>();
    /** --max-cost leaves no room for another batch: the outstanding ones are still merged. */
    private boolean capReached;

    BatchesRun(RunOptions options, RunState state, ResultLog log, Tally tally, StopSignal stop) {
        this.options = options;
        this.state = state;
        this.log = log;
        this.tally = tally;
        this.stop = stop;
    }

    void run(List<BatchInput.Item> todo) {
        Map<String, BatchInput.Item> byId = new HashMap<>();
        todo.forEach(i -> byId.put(i.customId(), i));
        try (AnthropicHttp http = BatchRunner.http(options)) {
            adoptPendingCreate(http);
            Set<String> atApi = new HashSet<>();
            List<RunState.Batch> outstanding = new ArrayList<>();
            for (RunState.Batch b : state.batches) {
                if (!b.merged()) {
                    outstanding.add(b);
                    atApi.addAll(b.customIds());
                    committed.put(b.id(), worst(b.customIds().stream().map(byId::get).filter(java.util.Objects::nonNull).toList()));
                }
            }
            // Everything without a result that no unmerged batch covers: new requests, and requests
            // a merged batch held back for resubmission when the last run stopped before resubmitting.
            List<BatchInput.Item> queue = new ArrayList<>();
            for (BatchInput.Item item : todo) {
                if (!atApi.contains(item.customId()) && !log.isDone(item.customId())) {
                    queue.add(item);
                }
            }
            loop(http, outstanding, queue, byId);
        }
        if (stop.isSet()) {
            options.out().println("Batches already created keep processing at Anthropic; rerun the same command to merge their results.");
        }
    }

    private void loop(AnthropicHttp http, List<RunState.Batch> outstanding, List<BatchInput.Item> queue, Map<String, BatchInput.Item> byId) {
        Duration interval = options.pollInterval();
        while (!stop.isSet() && ((!queue.isEmpty() && !capReached) || !outstanding.isEmpty())) {
            if (!capReached) {
                queue = submit(http, queue, outstanding);
            }
            if (stop.isSet()) {
                return;
            }
            boolean anyEnded = false;
            long processing = 0;
            for (RunState.Batch batch : List.copyOf(outstanding)) {
                Reply r = call(() -> http.get("/v1/messages/batches/" + batch.id(), Duration.ofSeconds(60)).join(),
                        "polling batch " + batch.id(), 404);
                if (r.status() == 404) {
                    queue.addAll(forget(batch, byId, r));
                    outstanding.remove(batch);
                    continue;
                }
                if ("ended".equals(r.body().path("processing_status").asText())) {
                    queue.addAll(merge(http, batch, byId));
                    outstanding.remove(batch);
                    anyEnded = true;
                } else {
                    processing += r.body().path("request_counts").path("processing").asLong();
                }
                if (stop.isSet()) {
                    return;
                }
            }
            if (!outstanding.isEmpty() && !anyEnded) {
                options.out().printf("%d %s processing (%,d requests); next check in %d s%n", outstanding.size(),
                        outstanding.size() == 1 ? "batch" : "batches", processing, Math.max(1, interval.toSeconds()));
                stop.await(interval);
                interval = Duration.ofMillis(Math.min(60_000, (long) (interval.toMillis() * 1.5)));
            } else if (outstanding.isEmpty() && !queue.isEmpty() && !anyEnded && !capReached) {
                stop.await(interval); // the API's queue is full of other work: wait for room
            }
        }
        if (capReached && !queue.isEmpty()) {
            stop.set(StopSignal.Reason.COST_CAP);
        }
    }

    /** Creates batches for {@code queue} while the API takes them; returns what is left to submit. */
    private List<BatchInput.Item> submit(AnthropicHttp http, List<BatchInput.Item> queue, List<RunState.Batch> outstanding) {
        List<BatchInput.Item> left = new ArrayList<>(queue);
        for (List<BatchInput.Item> chunk : chunks(queue)) {
            if (stop.isSet()) {
                break;
            }
            List<BatchInput.Item> affordable = affordable(chunk);
            if (affordable.isEmpty()) {
                capReached(outstanding);
                break;
            }
            RunState.Batch batch = create(http, affordable, !outstanding.isEmpty());
            if (batch == null) {
                break; // the processing queue is full: the rest waits for one of ours to end
            }
            outstanding.add(batch);
            left.removeAll(affordable);
            if (affordable.size() < chunk.size()) {
                capReached(outstanding);
                break;
            }
        }
        return left;
    }

    private void capReached(List<RunState.Batch> outstanding) {
        capReached = true;
        options.out().printf("No new batch: the rest could pass the cost cap of $%.2f at its worst case%s; rerun with a higher"
                + " --max-cost to finish.%n", options.maxCostUsd(), outstanding.isEmpty() ? "" : " (the batches created are still merged)");
    }

    /** The longest prefix of {@code chunk} that cannot pass --max-cost even at its worst case. */
    private List<BatchInput.Item> affordable(List<BatchInput.Item> chunk) {
        Double cap = options.maxCostUsd();
        if (cap == null) {
            return chunk;
        }
        double budget = cap - tally.cost.sum() - committed.values().stream().mapToDouble(Double::doubleValue).sum();
        int n = 0;
        for (BatchInput.Item item : chunk) {
            double w = worst(List.of(item));
            if (w > budget) {
                break;
            }
            budget -= w;
            n++;
        }
        return chunk.subList(0, n);
    }

    /** The most these requests can cost through the Batches API: estimated input and max_tokens, at half price. */
    private double worst(List<BatchInput.Item> items) {
        double usd = 0;
        for (BatchInput.Item item : items) {
            String modelClass = classes.classOf(item.params().path("model").asText());
            long input = Math.round(estimator.estimate(modelClass, item.params()).rawInput());
            usd += options.prices().cost(modelClass, new Usage(input, 0, 0, item.params().path("max_tokens").asLong()), true);
        }
        return usd;
    }

    private static List<List<BatchInput.Item>> chunks(List<BatchInput.Item> items) {
        return chunks(items, MAX_REQUESTS, MAX_BYTES);
    }

    /** Splits {@code items}, in order, into batches of at most {@code maxRequests} and about {@code maxBytes} each. */
    static List<List<BatchInput.Item>> chunks(List<BatchInput.Item> items, int maxRequests, long maxBytes) {
        List<List<BatchInput.Item>> out = new ArrayList<>();
        List<BatchInput.Item> current = new ArrayList<>();
        long bytes = 0;
        for (BatchInput.Item item : items) {
            long size = item.params().toString().getBytes(StandardCharsets.UTF_8).length + item.customId().length() + 40L;
            if (!current.isEmpty() && (current.size() >= maxRequests || bytes + size > maxBytes)) {
                out.add(current);
                current = new ArrayList<>();
                bytes = 0;
            }
            current.add(item);
            bytes += size;
        }
        if (!current.isEmpty()) {
            out.add(current);
        }
        return out;
    }

    /** Creates one batch, recorded before and after; null when the API's processing queue has no room. */
    private RunState.Batch create(AnthropicHttp http, List<BatchInput.Item> chunk, boolean othersOutstanding) {
        ObjectNode body = BatchInput.JSON.createObjectNode();
        ArrayNode requests = body.putArray("requests");
        List<String> ids = new ArrayList<>();
        for (BatchInput.Item item : chunk) {
            ObjectNode r = requests.addObject();
            r.put("custom_id", item.customId());
            r.set("params", item.params());
            ids.add(item.customId());
        }
        byte[] bytes;
        try {
            bytes = BatchInput.JSON.writeValueAsBytes(body);
        } catch (IOException e) {
            throw new BatchException("A batch could not be serialized: " + e.getMessage() + ".");
        }
        // On the API's clock, read from its own answer just before the create: the batch's created_at
        // is on that clock, and this machine's may be off by minutes (or time-scaled, for a simulator).
        state.pendingCreateAt = providerNow(http).toString();
        state.pendingCreateCount = ids.size();
        state.batches.add(new RunState.Batch("pending", ids, false));
        state.save();
        // A 429 while our own batches are still queued is the processing-queue limit: waiting for
        // them beats retrying; with none of ours outstanding it is the endpoints' rate limit.
        Reply created = call(() -> http.post("/v1/messages/batches", bytes, Duration.ofMinutes(5)).join(), "creating a batch",
                othersOutstanding ? 429 : -1);
        state.batches.removeIf(b -> b.id().equals("pending"));
        state.pendingCreateAt = null;
        if (created.status() == 429) {
            state.save();
            options.out().println("The Batches API's processing queue is full (" + created.message()
                    + "); the remaining requests wait for this run's batches to end.");
            return null;
        }
        String id = created.body().path("id").asText();
        RunState.Batch batch = new RunState.Batch(id, ids, false);
        state.batches.add(batch);
        state.save();
        committed.put(id, worst(chunk));
        options.out().printf("Created batch %s with %,d requests (half price; most finish within an hour).%n", id, ids.size());
        return batch;
    }

    /**
     * A crash may have come between "create" and recording its id: find that batch instead of
     * making another. It is the one batch this run does not know that holds as many requests as the
     * create and was created within {@link #ADOPT_WINDOW} of it (both times on the API's clock; the
     * window covers the create's own duration and any error in reading that clock). None: the
     * create never reached the API, and its requests are submitted again. Two or more: adopting
     * either could merge someone else's batch and lose ours, and submitting again could run ours
     * twice, so the run refuses and says how to decide.
     */
    private void adoptPendingCreate(AnthropicHttp http) {
        RunState.Batch pending = state.batches.stream().filter(b -> b.id().equals("pending")).findFirst().orElse(null);
        if (pending == null) {
            return;
        }
        Instant at = state.pendingCreateAt == null ? Instant.EPOCH : Instant.parse(state.pendingCreateAt);
        Instant from = at.minus(ADOPT_WINDOW);
        Instant to = at.plus(ADOPT_WINDOW);
        List<String> matches = new ArrayList<>();
        String after = null;
        for (int page = 0; page < 20; page++) {
            String cursor = after == null ? "" : "&after_id=" + after;
            JsonNode list = call(() -> http.get("/v1/messages/batches?limit=100" + cursor, Duration.ofSeconds(60)).join(), "listing batches").body();
            Instant oldest = null;
            for (JsonNode b : list.path("data")) {
                Instant created = Instant.parse(b.path("created_at").asText("1970-01-01T00:00:00Z"));
                oldest = created;
                long count = 0;
                for (String k : List.of("processing", "succeeded", "errored", "canceled", "expired")) {
                    count += b.path("request_counts").path(k).asLong();
                }
                String id = b.path("id").asText();
                boolean known = state.batches.stream().anyMatch(x -> x.id().equals(id));
                if (!known && count == state.pendingCreateCount && !created.isBefore(from) && !created.isAfter(to)) {
                    matches.add(id);
                }
            }
            // Batches are listed newest first: once a page reaches back before the window, no older page can match.
            if (!list.path("has_more").asBoolean(false) || oldest == null || oldest.isBefore(from)) {
                break;
            }
            after = list.path("last_id").asText(null);
            if (after == null) {
                break;
            }
        }
        if (matches.size() > 1) {
            throw new BatchException("The last run stopped while creating a batch of " + state.pendingCreateCount + " requests, and "
                    + String.join(" and ", matches) + " each hold that many and were created within 10 minutes of it, so it cannot tell"
                    + " which is its own: in " + RunState.sidecarOf(options.output()) + " replace the id \"pending\" with the batch"
                    + " whose results hold your custom_ids (or delete that entry to submit its requests again), then rerun.");
        }
        String adopted = matches.isEmpty() ? null : matches.get(0);
        state.batches.remove(pending);
        if (adopted != null) {
            state.batches.add(new RunState.Batch(adopted, pending.customIds(), false));
            options.out().println("Adopted batch " + adopted + ", created just before the last run stopped.");
        }
        state.pendingCreateAt = null;
        state.save();
    }

    /**
     * The API's time now, from its own answer to a cheap call: the requests limit's reset (when its
     * bucket is full again: now, or up to a minute later), else the {@code Date} header, else this
     * machine's (the run's) clock.
     */
    private Instant providerNow(AnthropicHttp http) {
        AnthropicHttp.Response r;
        try {
            r = http.get("/v1/messages/batches?limit=1", Duration.ofSeconds(60)).join();
        } catch (RuntimeException unreachable) {
            return options.clock().instant(); // the create that follows will say what is wrong
        }
        return providerNow(r).orElseGet(() -> options.clock().instant());
    }

    static java.util.Optional<Instant> providerNow(AnthropicHttp.Response r) {
        try {
            java.util.Optional<String> reset = r.header("anthropic-ratelimit-requests-reset");
            if (reset.isPresent()) {
                return java.util.Optional.of(Instant.parse(reset.get().trim()));
            }
            return r.header("date").map(d -> java.time.ZonedDateTime.parse(d.trim(), java.time.format.DateTimeFormatter.RFC_1123_DATE_TIME)
                    .toInstant());
        } catch (java.time.format.DateTimeParseException garbled) {
            return java.util.Optional.empty();
        }
    }

    /**
     * A recorded batch the API does not know. The built-in simulator keeps batches only while it
     * runs, so there its requests are simply submitted again. Against any other API it may be a
     * different key or workspace, and resubmitting could run the requests twice: the user decides.
     */
    private List<BatchInput.Item> forget(RunState.Batch batch, Map<String, BatchInput.Item> byId, Reply notFound) {
        if (!options.builtInSimulator()) {
            throw new BatchException("Batch " + batch.id() + ", recorded in " + RunState.sidecarOf(options.output()) + ", is not known to "
                    + options.baseUrl() + " (" + notFound.message() + "); run with the API key (and workspace) that created it, or remove"
                    + " that batch from the file to submit its requests again.");
        }
        state.batches.remove(batch);
        state.save();
        committed.remove(batch.id());
        List<BatchInput.Item> again = batch.customIds().stream().filter(id -> !log.isDone(id)).map(byId::get)
                .filter(java.util.Objects::nonNull).toList();
        options.out().printf("Batch %s belonged to an earlier built-in simulator, which keeps batches only while it runs; its %,d"
                + " requests without a result are submitted again.%n", batch.id(), again.size());
        return again;
    }

    /** Streams an ended batch's results into the results file; returns the requests held back for another round. */
    private List<BatchInput.Item> merge(AnthropicHttp http, RunState.Batch batch, Map<String, BatchInput.Item> byId) {
        List<BatchInput.Item> again = new ArrayList<>();
        Set<String> ours = new HashSet<>(batch.customIds());
        Set<String> answered = new HashSet<>();
        int foreign = 0;
        AnthropicHttp.Streaming stream = results(http, batch.id());
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(stream.body(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = reader.readLine()) != null) {
                if (line.isBlank()) {
                    continue;
                }
                JsonNode node = BatchInput.JSON.readTree(line);
                String id = node.path("custom_id").asText();
                if (!ours.contains(id)) {
                    foreign++; // only ever in an adopted batch that was not ours: never written into our results
                    continue;
                }
                answered.add(id);
                if (log.isDone(id)) {
                    continue;
                }
                String type = node.path("result").path("type").asText();
                String errorType = node.path("result").path("error").path("error").path("type").asText("");
                boolean retryable = type.equals("expired") || (type.equals("errored") && RETRYABLE.contains(errorType));
                if (retryable && byId.containsKey(id) && rounds.getOrDefault(id, 0) < RESUBMIT_ROUNDS) {
                    rounds.merge(id, 1, Integer::sum);
                    again.add(byId.get(id));
                    continue;
                }
                ObjectNode out = (ObjectNode) node;
                out.putObject("pacer").put("via", "batches").put("batch_id", batch.id());
                log.append(id, type, out);
                tally.done.incrementAndGet();
                if (type.equals("succeeded")) {
                    JsonNode usage = node.path("result").path("message").path("usage");
                    Usage u = Usage.of(usage);
                    tally.input.addAndGet(u.totalInput());
                    tally.output.addAndGet(u.output());
                    String model = node.path("result").path("message").path("model").asText("");
                    tally.cost.add(options.prices().cost(classes.classOf(model), usage, true));
                } else {
                    tally.errored.incrementAndGet();
                }
            }
        } catch (IOException e) {
            throw new BatchException("Reading the results of batch " + batch.id() + " failed (" + e.getMessage()
                    + "); rerun the same command to resume.");
        }
        // A request of ours the results do not mention (the batch adopted was not ours after all)
        // goes into a new batch, within the same resubmission budget.
        for (String id : batch.customIds()) {
            if (!answered.contains(id) && !log.isDone(id) && byId.containsKey(id) && rounds.getOrDefault(id, 0) < RESUBMIT_ROUNDS) {
                rounds.merge(id, 1, Integer::sum);
                again.add(byId.get(id));
            }
        }
        log.sync();
        if (foreign > 0) {
            options.out().printf("batch %s: %,d results for requests this run did not send were ignored.%n", batch.id(), foreign);
        }
        state.markMerged(batch.id());
        committed.remove(batch.id());
        if (!again.isEmpty()) {
            options.out().printf("batch %s: %,d expired or failed requests go into a new batch.%n", batch.id(), again.size());
        }
        return again;
    }

    /** An answer of the Batches API: its status, JSON body and error message. */
    private record Reply(int status, JsonNode body, String message) {
    }

    private Reply call(ThrowingSupplier<AnthropicHttp.Response> call, String what) {
        return call(call, what, -1);
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
                if (attempt >= 8) {
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
                if (attempt >= 8) {
                    throw new BatchException("The Batches API kept failing while " + what + " (" + message + "); rerun the same command to resume.");
                }
                Duration wait = backoff;
                try {
                    wait = r.header("retry-after").map(v -> Duration.ofMillis((long) (Double.parseDouble(v.trim()) * 1000))).orElse(backoff);
                } catch (NumberFormatException ignored) {
                    // keep the backoff
                }
                // retry-after is in the provider's time; a time-scaled simulator's seconds are shorter.
                stop.await(options.clock() instanceof dev.pacer.time.ScaledClock sc ? Duration.ofNanos((long) (wait.toNanos() / sc.scale())) : wait);
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

    private AnthropicHttp.Streaming results(AnthropicHttp http, String id) {
        for (int attempt = 1; ; attempt++) {
            try {
                AnthropicHttp.Streaming s = http.getStreaming("/v1/messages/batches/" + id + "/results", Duration.ofMinutes(30)).join();
                if (s.status() == 200) {
                    return s;
                }
                s.body().close();
                if (attempt >= 8 || (s.status() < 500 && s.status() != 429)) {
                    throw new BatchException("Downloading the results of batch " + id + " failed (HTTP " + s.status() + "); rerun the same command to resume.");
                }
            } catch (BatchException e) {
                throw e;
            } catch (Exception e) {
                if (attempt >= 8) {
                    throw new BatchException("Cannot download the results of batch " + id + " (" + rootMessage(e) + "); rerun the same command to resume.");
                }
            }
            stop.await(Duration.ofSeconds(attempt));
        }
    }

    @FunctionalInterface
    private interface ThrowingSupplier<T> {
        T get() throws Exception;
    }
}
