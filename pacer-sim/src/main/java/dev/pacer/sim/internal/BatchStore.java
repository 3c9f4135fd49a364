package dev.pacer.sim.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pacer.sim.FaultProfile;
import dev.pacer.sim.SimSettings;
import dev.pacer.sim.SimStats;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * The batches and their processing: one virtual thread per batch sleeps on the simulated clock
 * until the batch ends (or is cancelled), then decides every request's result — validating its
 * params only then, as the API does — and writes the results in shuffled order.
 */
final class BatchStore {

    private final Simulator sim;
    private final Map<String, Batch> byId = new ConcurrentHashMap<>();
    private final List<Batch> newestLast = new CopyOnWriteArrayList<>();
    private final Map<Batch, Thread> workers = new ConcurrentHashMap<>();
    private final AtomicLong sequence = new AtomicLong();
    private final LongAdder created = new LongAdder();
    private final LongAdder requests = new LongAdder();
    private final LongAdder[] results = {new LongAdder(), new LongAdder(), new LongAdder(), new LongAdder()};

    BatchStore(Simulator sim) {
        this.sim = sim;
    }

    /**
     * Creates and starts a batch of {@code entries} (custom_id, params) unless the key's requests
     * still queued and these would be more than {@code queueLimit}; null then. Synchronized: the
     * check and the creation are one step, or batches created at the same instant from many
     * threads would each see room and overfill the queue together.
     */
    synchronized Batch createWithin(String keyId, String owner, List<Map.Entry<String, JsonNode>> entries, long queueLimit) {
        if (queued(owner, sim.clock().seconds()) + entries.size() > queueLimit) {
            return null;
        }
        return create(keyId, owner, entries);
    }

    /** Creates and starts a batch; finish offsets, expiry and retention are fixed here. */
    private Batch create(String keyId, String owner, List<Map.Entry<String, JsonNode>> entries) {
        SimSettings settings = sim.settings();
        long number = sequence.incrementAndGet();
        SplittableRandom random = new SplittableRandom(settings.seed() * 131 + number);
        double[] offsets = new double[entries.size()];
        double max = 0;
        for (int i = 0; i < offsets.length; i++) {
            offsets[i] = 0.05 + 0.95 * random.nextDouble();
            max = Math.max(max, offsets[i]);
        }
        List<Batch.Item> items = new ArrayList<>(entries.size());
        for (int i = 0; i < offsets.length; i++) {
            // Scaled so that the last request finishes after exactly the configured processing time.
            items.add(new Batch.Item(entries.get(i).getKey(), entries.get(i).getValue(), settings.batches().processingSeconds() * offsets[i] / max));
        }
        double now = sim.clock().seconds();
        Batch batch = new Batch(keyId, owner, now, sim.clock().at(now), items, settings.batches().expirySeconds(),
                settings.batches().retentionSeconds());
        byId.put(batch.id, batch);
        newestLast.add(batch);
        created.increment();
        requests.add(items.size());
        Thread worker = Thread.ofVirtual().name("sim-" + batch.id).unstarted(() -> process(batch, number));
        workers.put(batch, worker);
        worker.start();
        return batch;
    }

    Batch find(String keyId, String id) {
        Batch b = byId.get(id);
        return b == null || b.deleted() || !b.keyId.equals(keyId) ? null : b;
    }

    /** The key's batches, newest first. */
    List<Batch> list(String keyId) {
        List<Batch> out = new ArrayList<>();
        for (int i = newestLast.size() - 1; i >= 0; i--) {
            Batch b = newestLast.get(i);
            if (b.keyId.equals(keyId) && !b.deleted()) {
                out.add(b);
            }
        }
        return out;
    }

    /** Batch requests still waiting to be processed in the queue of {@code owner} (a key, or the organisation). */
    long queued(String owner, double now) {
        long n = 0;
        for (Batch b : newestLast) {
            if (b.owner.equals(owner)) {
                n += b.queued(now);
            }
        }
        return n;
    }

    private void process(Batch batch, long number) {
        try {
            SimSettings.Batches config = sim.settings().batches();
            double lastFinish = batch.items.stream().mapToDouble(Batch.Item::finishesAfter).max().orElse(0);
            double end = Math.min(lastFinish, batch.expiresAfter);
            double wait = batch.createdAt + end - sim.clock().seconds();
            boolean cancelled = batch.cancelSignal.await(sim.clock().wall(wait).toNanos(), TimeUnit.NANOSECONDS);
            double cancelledAfter = Double.NaN;
            if (cancelled) {
                cancelledAfter = batch.canceledAfter();
                // Requests already under way when the cancel arrives cannot be interrupted: they finish.
                double grace = Math.max(1, config.processingSeconds() * 0.01);
                end = Math.min(end, cancelledAfter + grace);
                sim.clock().sleepUntil(batch.createdAt + end);
            }
            finish(batch, number, end, cancelledAfter, config);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            workers.remove(batch);
        }
    }

    private void finish(Batch batch, long number, double end, double cancelledAfter, SimSettings.Batches config) {
        SimSettings settings = sim.settings();
        FaultProfile faults = sim.faults();
        Random random = new Random(settings.seed() * 977 + number);
        double grace = Math.max(1, config.processingSeconds() * 0.01);
        List<String> lines = new ArrayList<>(batch.items.size());
        long[] counts = new long[4];
        for (Batch.Item item : batch.items) {
            ObjectNode line = Json.object();
            line.put("custom_id", item.customId());
            ObjectNode result = line.putObject("result");
            boolean fateExpire = random.nextDouble() < faults.batchExpire();
            boolean fateError = random.nextDouble() < faults.batchError();
            if (!Double.isNaN(cancelledAfter) && item.finishesAfter() > cancelledAfter + grace) {
                result.put("type", "canceled");
                counts[2]++;
            } else if (item.finishesAfter() > batch.expiresAfter || fateExpire) {
                result.put("type", "expired");
                counts[3]++;
            } else if (outcome(result, item.params(), fateError, settings)) {
                counts[0]++;
            } else {
                counts[1]++;
            }
            lines.add(line.toString());
        }
        Collections.shuffle(lines, random);
        for (int i = 0; i < 4; i++) {
            results[i].add(counts[i]);
        }
        batch.end(lines, counts, sim.clock().at(Math.max(sim.clock().seconds(), batch.createdAt + end)));
    }

    /** Fills a processed request's result; true when it succeeded. */
    private boolean outcome(ObjectNode result, JsonNode params, boolean fateError, SimSettings settings) {
        MessageRequest request;
        try {
            request = MessageRequest.parse(params, false, sim.tokenizer());
        } catch (MessageRequest.Invalid e) {
            return errored(result, "invalid_request_error", e.getMessage());
        }
        String modelClass = settings.limits().models().classOf(request.model());
        if (modelClass == null) {
            return errored(result, "not_found_error", "model: " + request.model());
        }
        try {
            request.checkMaxOutput(params, settings.limits().classes().get(modelClass));
        } catch (MessageRequest.Invalid e) {
            return errored(result, "invalid_request_error", e.getMessage());
        }
        if (request.stream()) {
            return errored(result, "invalid_request_error", "stream: Streaming is not supported in Message Batches; remove \"stream\": true.");
        }
        if (params.has("speed")) {
            return errored(result, "invalid_request_error", "speed: Fast mode is not supported in Message Batches.");
        }
        if (fateError) {
            return errored(result, "api_error", "Internal server error");
        }
        Generation g = Generation.plan(request, OutputHint.NONE, settings);
        result.put("type", "succeeded");
        result.set("message", MessagesEndpoint.message(Ids.next("msg_"), request.model(), g.text(),
                new MessagesEndpoint.Usage(request.inputTokens(), 0, 0, 0), g.outputTokens(), g.stopReason(), "batch"));
        return true;
    }

    private static boolean errored(ObjectNode result, String type, String message) {
        result.put("type", "errored");
        ObjectNode error = result.putObject("error");
        error.put("type", "error");
        error.putObject("error").put("type", type).put("message", message);
        error.putNull("request_id");
        return false;
    }

    SimStats.BatchStats stats() {
        return new SimStats.BatchStats(created.sum(), requests.sum(), results[0].sum(), results[1].sum(), results[2].sum(),
                results[3].sum());
    }

    void clear() {
        close();
        byId.clear();
        newestLast.clear();
        created.reset();
        requests.reset();
        for (LongAdder a : results) {
            a.reset();
        }
    }

    void close() {
        workers.values().forEach(Thread::interrupt);
        workers.clear();
    }
}
