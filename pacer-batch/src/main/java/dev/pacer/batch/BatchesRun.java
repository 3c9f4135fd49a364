package dev.pacer.batch;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pacer.anthropic.AnthropicHttp;
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
 *   <li>Batches already recorded in the run state are polled and merged first (a resume never
 *       creates a batch twice).</li>
 *   <li>The rest is split within the API's limits (100,000 requests, 256 MB) and created one
 *       batch at a time; before each create the ids it will cover are recorded as "pending", and
 *       the batch id right after, so a crash between the two is repaired on resume by adopting the
 *       batch the API already has rather than creating another.</li>
 *   <li>Each batch is polled with backoff (within the batch endpoints' own rate limit) and its
 *       results are streamed into the results file as they are read.</li>
 *   <li>{@code expired} results and errors worth retrying ({@code api_error},
 *       {@code overloaded_error}) are held back and resubmitted in a new batch, twice at most;
 *       after that they are written as they came.</li>
 * </ol>
 */
final class BatchesRun {

    private static final int MAX_REQUESTS = 100_000;
    private static final long MAX_BYTES = 200L << 20; // under the 256 MB limit, with room for the envelope
    private static final int RESUBMIT_ROUNDS = 2;
    private static final Set<String> RETRYABLE = Set.of("api_error", "overloaded_error", "rate_limit_error", "timeout_error");

    private final RunOptions options;
    private final RunState state;
    private final ResultLog log;
    private final Tally tally;
    private final StopSignal stop;

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
            List<BatchInput.Item> retry = new ArrayList<>();
            for (RunState.Batch batch : List.copyOf(state.batches)) {
                if (!batch.merged() && !stop.isSet()) {
                    retry.addAll(awaitAndMerge(http, batch, byId, true));
                }
            }
            Set<String> covered = new HashSet<>();
            state.batches.forEach(b -> covered.addAll(b.customIds()));
            List<BatchInput.Item> fresh = new ArrayList<>(retry);
            for (BatchInput.Item item : todo) {
                if (!covered.contains(item.customId()) && !log.isDone(item.customId())) {
                    fresh.add(item);
                }
            }
            for (int round = 0; !fresh.isEmpty() && !stop.isSet(); round++) {
                boolean lastRound = round >= RESUBMIT_ROUNDS;
                List<BatchInput.Item> again = new ArrayList<>();
                for (List<BatchInput.Item> chunk : chunks(fresh)) {
                    if (stop.isSet()) {
                        break;
                    }
                    RunState.Batch batch = create(http, chunk);
                    again.addAll(awaitAndMerge(http, batch, byId, !lastRound));
                }
                fresh = again;
            }
        }
        if (stop.isSet()) {
            options.out().println("Batches already created keep processing at Anthropic; rerun the same command to merge their results.");
        }
    }

    private List<List<BatchInput.Item>> chunks(List<BatchInput.Item> items) {
        List<List<BatchInput.Item>> out = new ArrayList<>();
        List<BatchInput.Item> current = new ArrayList<>();
        long bytes = 0;
        for (BatchInput.Item item : items) {
            long size = item.params().toString().length() + item.customId().length() + 40L;
            if (!current.isEmpty() && (current.size() >= MAX_REQUESTS || bytes + size > MAX_BYTES)) {
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

    private RunState.Batch create(AnthropicHttp http, List<BatchInput.Item> chunk) {
        ObjectNode body = BatchInput.JSON.createObjectNode();
        ArrayNode requests = body.putArray("requests");
        List<String> ids = new ArrayList<>();
        for (BatchInput.Item item : chunk) {
            ObjectNode r = requests.addObject();
            r.put("custom_id", item.customId());
            r.set("params", item.params());
            ids.add(item.customId());
        }
        state.pendingCreateAt = Instant.now().minusSeconds(5).toString();
        state.pendingCreateCount = ids.size();
        state.batches.add(new RunState.Batch("pending", ids, false));
        state.save();
        byte[] bytes;
        try {
            bytes = BatchInput.JSON.writeValueAsBytes(body);
        } catch (IOException e) {
            throw new BatchException("A batch could not be serialized: " + e.getMessage() + ".");
        }
        JsonNode created = json(() -> http.post("/v1/messages/batches", bytes, Duration.ofMinutes(5)).join(), "creating a batch");
        String id = created.path("id").asText();
        state.batches.removeIf(b -> b.id().equals("pending"));
        state.batches.add(new RunState.Batch(id, ids, false));
        state.pendingCreateAt = null;
        state.save();
        options.out().println("Created batch " + id + " with " + ids.size() + " requests (half price; most finish within an hour).");
        return state.batches.get(state.batches.size() - 1);
    }

    /** A crash may have come between "create" and recording its id: find that batch instead of making another. */
    private void adoptPendingCreate(AnthropicHttp http) {
        RunState.Batch pending = state.batches.stream().filter(b -> b.id().equals("pending")).findFirst().orElse(null);
        if (pending == null) {
            return;
        }
        Instant after = state.pendingCreateAt == null ? Instant.EPOCH : Instant.parse(state.pendingCreateAt);
        JsonNode page = json(() -> http.get("/v1/messages/batches?limit=100", Duration.ofSeconds(60)).join(), "listing batches");
        String adopted = null;
        for (JsonNode b : page.path("data")) {
            Instant created = Instant.parse(b.path("created_at").asText("1970-01-01T00:00:00Z"));
            long count = 0;
            for (String k : List.of("processing", "succeeded", "errored", "canceled", "expired")) {
                count += b.path("request_counts").path(k).asLong();
            }
            boolean known = state.batches.stream().anyMatch(x -> x.id().equals(b.path("id").asText()));
            if (!known && !created.isBefore(after) && count == state.pendingCreateCount) {
                adopted = b.path("id").asText();
                break;
            }
        }
        state.batches.remove(pending);
        if (adopted != null) {
            state.batches.add(new RunState.Batch(adopted, pending.customIds(), false));
            options.out().println("Adopted batch " + adopted + ", created just before the last run stopped.");
        }
        state.pendingCreateAt = null;
        state.save();
    }

    /** Polls until the batch ends, then merges its results; returns the items held back for another round. */
    private List<BatchInput.Item> awaitAndMerge(AnthropicHttp http, RunState.Batch batch, Map<String, BatchInput.Item> byId,
                                                boolean holdBackRetryable) {
        Duration interval = options.pollInterval();
        JsonNode status;
        while (true) {
            status = json(() -> http.get("/v1/messages/batches/" + batch.id(), Duration.ofSeconds(60)).join(), "polling batch " + batch.id());
            if ("ended".equals(status.path("processing_status").asText())) {
                break;
            }
            if (stop.isSet()) {
                return List.of();
            }
            options.out().println("batch " + batch.id() + ": " + status.path("processing_status").asText() + ", "
                    + status.path("request_counts").path("processing").asLong() + " processing; next check in " + interval.toSeconds() + " s");
            sleep(interval);
            interval = Duration.ofMillis(Math.min(60_000, (long) (interval.toMillis() * 1.5)));
        }
        List<BatchInput.Item> again = new ArrayList<>();
        AnthropicHttp.Streaming stream = results(http, batch.id());
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(stream.body(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = reader.readLine()) != null) {
                if (line.isBlank()) {
                    continue;
                }
                JsonNode node = BatchInput.JSON.readTree(line);
                String id = node.path("custom_id").asText();
                if (log.isDone(id)) {
                    continue;
                }
                String type = node.path("result").path("type").asText();
                String errorType = node.path("result").path("error").path("error").path("type").asText("");
                boolean retryable = type.equals("expired") || (type.equals("errored") && RETRYABLE.contains(errorType));
                if (retryable && holdBackRetryable && byId.containsKey(id)) {
                    again.add(byId.get(id));
                    continue;
                }
                ObjectNode out = (ObjectNode) node;
                out.putObject("pacer").put("via", "batches").put("batch_id", batch.id());
                log.append(id, type.equals("succeeded") ? "succeeded" : type, out);
                tally.done.incrementAndGet();
                if (type.equals("succeeded")) {
                    JsonNode usage = node.path("result").path("message").path("usage");
                    var u = dev.pacer.anthropic.Usage.of(usage);
                    tally.input.addAndGet(u.totalInput());
                    tally.output.addAndGet(u.output());
                    String model = node.path("result").path("message").path("model").asText("");
                    tally.cost.add(options.prices().cost(dev.pacer.anthropic.ModelClasses.defaults().classOf(model), usage, true));
                } else {
                    tally.errored.incrementAndGet();
                }
            }
        } catch (IOException e) {
            throw new BatchException("Reading the results of batch " + batch.id() + " failed (" + e.getMessage()
                    + "); rerun the same command to resume.");
        }
        log.sync();
        state.markMerged(batch.id());
        if (!again.isEmpty()) {
            options.out().println("batch " + batch.id() + ": " + again.size() + " expired or failed requests go into a new batch.");
        }
        return again;
    }

    /** Calls the Batches API, waiting out its rate limit and retrying server errors; request errors are the user's to fix. */
    private JsonNode json(ThrowingSupplier<AnthropicHttp.Response> call, String what) {
        Duration backoff = Duration.ofSeconds(1);
        for (int attempt = 1; ; attempt++) {
            AnthropicHttp.Response r;
            try {
                r = call.get();
            } catch (Exception e) {
                if (attempt >= 8) {
                    throw new BatchException("Cannot reach the Batches API while " + what + " (" + e.getMessage()
                            + "); rerun the same command to resume.");
                }
                sleep(backoff);
                backoff = backoff.multipliedBy(2);
                continue;
            }
            JsonNode body = BatchRunner.parse(r.body());
            if (r.status() == 200 && body != null) {
                return body;
            }
            String message = body == null ? "HTTP " + r.status() : body.path("error").path("message").asText("HTTP " + r.status());
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
                sleep(options.clock() instanceof dev.pacer.time.ScaledClock sc ? Duration.ofNanos((long) (wait.toNanos() / sc.scale())) : wait);
                backoff = backoff.multipliedBy(2);
                continue;
            }
            throw new BatchException("The Batches API refused " + what + ": " + message + ".");
        }
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
                    throw new BatchException("Cannot download the results of batch " + id + " (" + e.getMessage() + "); rerun the same command to resume.");
                }
            }
            sleep(Duration.ofSeconds(attempt));
        }
    }

    @FunctionalInterface
    private interface ThrowingSupplier<T> {
        T get() throws Exception;
    }

    /** Waits, but not past a stop: Ctrl-C during a minute-long poll interval is acted on at once. */
    private void sleep(Duration d) {
        stop.await(d);
    }
}
