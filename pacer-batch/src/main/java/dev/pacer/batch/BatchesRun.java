package dev.pacer.batch;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
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
 *   <li><b>Recover</b> ({@link BatchRecovery}): batches already recorded in the run state and not
 *       merged yet are polled and merged (a resume never creates a batch twice). Requests of merged
 *       batches that still have no result (held back for a resubmission when the last run stopped)
 *       are submitted again.</li>
 *   <li><b>Create</b>: the rest is split within the API's limits ({@link BatchChunker}) and every
 *       batch is created at once, so they are processed side by side; before each create the ids
 *       it will cover are recorded as "pending", and the batch id right after, so a crash between
 *       the two is repaired on resume by adopting the batch the API already has rather than
 *       creating another. When the API refuses a create because its processing queue is full, the
 *       rest waits until one of this run's batches ends. With {@code --max-cost}, a batch is only
 *       created for as many requests as fit under the cap at their worst case ({@link CostCap}).</li>
 *   <li><b>Poll</b>: outstanding batches are polled with backoff, one request per batch per check;
 *       every call goes through the engine on the key's {@code batches} pool ({@link BatchesClient}),
 *       so it is paced to the endpoints' own rate limit and retried like any call.</li>
 *   <li><b>Merge</b> ({@link BatchResultMerger}): each batch's results are streamed into the
 *       results file when it ends; expired results and errors worth retrying come back here and go
 *       into a new batch.</li>
 * </ol>
 */
final class BatchesRun {

    private final RunOptions options;
    private final RunState state;
    private final ResultLog log;
    private final StopSignal stop;
    private final CostCap cap;
    private final BatchResultMerger merger;
    /** --max-cost leaves no room for another batch: the outstanding ones are still merged. */
    private boolean capReached;

    BatchesRun(RunOptions options, RunState state, ResultLog log, Tally tally, StopSignal stop) {
        this.options = options;
        this.state = state;
        this.log = log;
        this.stop = stop;
        this.cap = CostCap.batches(options, tally);
        this.merger = new BatchResultMerger(options, state, log, tally);
    }

    /** Hears the engine the Batches client builds, before anything is sent (see {@link BatchRunner#onEngine}). */
    private java.util.function.Consumer<dev.pacer.Pacer> onEngine = pacer -> {
    };

    BatchesRun onEngine(java.util.function.Consumer<dev.pacer.Pacer> observer) {
        this.onEngine = observer;
        return this;
    }

    void run(List<BatchInput.Item> todo) {
        Map<String, BatchInput.Item> byId = new HashMap<>();
        todo.forEach(i -> byId.put(i.customId(), i));
        try (BatchesClient api = new BatchesClient(options, stop, onEngine)) {
            BatchRecovery recovery = new BatchRecovery(options, state, log, api);
            Set<String> atApi = new HashSet<>();
            List<RunState.Batch> outstanding = new ArrayList<>(recovery.unmergedBatches());
            for (RunState.Batch b : outstanding) {
                atApi.addAll(b.customIds());
                cap.hold(b.id(), items(b.customIds(), byId));
            }
            // Everything without a result that no unmerged batch covers: new requests, and requests
            // a merged batch held back for resubmission when the last run stopped before resubmitting.
            List<BatchInput.Item> queue = new ArrayList<>();
            for (BatchInput.Item item : todo) {
                if (!atApi.contains(item.customId()) && !log.isDone(item.customId())) {
                    queue.add(item);
                }
            }
            loop(api, recovery, outstanding, queue, byId);
        }
        if (stop.isSet()) {
            options.out().println("Batches already created keep processing at Anthropic; rerun the same command to merge their results.");
        }
    }

    private void loop(BatchesClient api, BatchRecovery recovery, List<RunState.Batch> outstanding, List<BatchInput.Item> queue,
                      Map<String, BatchInput.Item> byId) {
        Duration interval = options.pollInterval();
        while (!stop.isSet() && ((!queue.isEmpty() && !capReached) || !outstanding.isEmpty())) {
            if (!capReached) {
                queue = submit(api, queue, outstanding);
            }
            if (stop.isSet()) {
                return;
            }
            boolean anyEnded = false;
            long processing = 0;
            for (RunState.Batch batch : List.copyOf(outstanding)) {
                BatchesClient.Reply r = api.retrieve(batch.id());
                if (r == null) {
                    return; // stopping
                }
                if (r.status() == 404) {
                    queue.addAll(recovery.forget(batch, byId, r));
                    cap.release(batch.id());
                    outstanding.remove(batch);
                    continue;
                }
                if ("ended".equals(r.body().path("processing_status").asText())) {
                    InputStream results = api.results(batch.id());
                    if (results == null) {
                        return; // stopping: the next run merges it
                    }
                    queue.addAll(merger.merge(batch, results, byId));
                    cap.release(batch.id());
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
    private List<BatchInput.Item> submit(BatchesClient api, List<BatchInput.Item> queue, List<RunState.Batch> outstanding) {
        List<BatchInput.Item> left = new ArrayList<>(queue);
        for (List<BatchInput.Item> chunk : BatchChunker.chunks(queue)) {
            if (stop.isSet()) {
                break;
            }
            List<BatchInput.Item> affordable = cap.affordablePrefix(chunk);
            if (affordable.isEmpty()) {
                capReached(outstanding);
                break;
            }
            RunState.Batch batch = create(api, affordable, !outstanding.isEmpty());
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
                + " --max-cost to finish.%n", cap.usd(), outstanding.isEmpty() ? "" : " (the batches created are still merged)");
    }

    /** Creates one batch, recorded before and after; null when the API's processing queue has no room. */
    private RunState.Batch create(BatchesClient api, List<BatchInput.Item> chunk, boolean othersOutstanding) {
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
        state.pendingCreateAt = api.now().toString();
        state.pendingCreateCount = ids.size();
        state.batches.add(new RunState.Batch("pending", ids, false));
        state.save();
        BatchesClient.Reply created = api.create(bytes, othersOutstanding);
        if (created == null) {
            return null; // stopping: "pending" stays recorded, and the next run resolves it
        }
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
        cap.hold(id, chunk);
        options.out().printf("Created batch %s with %,d requests (half price; most finish within an hour).%n", id, ids.size());
        return batch;
    }

    private static List<BatchInput.Item> items(List<String> ids, Map<String, BatchInput.Item> byId) {
        return ids.stream().map(byId::get).filter(java.util.Objects::nonNull).toList();
    }
}
