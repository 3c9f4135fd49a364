package dev.pacer.sim.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;

/**
 * One Message Batch. Each request finishes at its own offset after creation (drawn when the batch
 * is created); the batch ends when the last one has, when it is cancelled (requests finishing
 * within a short grace still finish: work under way cannot be interrupted), or when it expires.
 * Until it ends it shows every request as {@code processing}, as the API does.
 *
 * <p>Guarded by its own monitor; {@link #cancelSignal} wakes the thread that processes it.
 */
final class Batch {

    /** One request of the batch and when (simulated seconds after creation) it finishes. */
    record Item(String customId, JsonNode params, double finishesAfter) {
    }

    final String id = Ids.next("msgbatch_");
    final String keyId;
    /** Whose batch queue it counts in: its key's, or the organisation's (limit-scope). */
    final String owner;
    final double createdAt;
    final Instant createdInstant;
    final List<Item> items;
    /** Simulated seconds after creation at which it expires, and after which its results are gone: as when created. */
    final double expiresAfter;
    final double retainedFor;
    /** Finish offsets, sorted: how many requests are still queued at any instant. */
    private final double[] finishOffsets;
    final CountDownLatch cancelSignal = new CountDownLatch(1);
    private String status = "in_progress";
    private Instant endedAt;
    private Instant cancelInitiatedAt;
    private double canceledAfter = Double.NaN;
    private boolean deleted;
    private List<String> results = List.of();
    private final long[] counts = new long[5];

    Batch(String keyId, String owner, double createdAt, Instant createdInstant, List<Item> items, double expiresAfter, double retainedFor) {
        this.keyId = keyId;
        this.owner = owner;
        this.expiresAfter = expiresAfter;
        this.retainedFor = retainedFor;
        this.createdAt = createdAt;
        this.createdInstant = createdInstant;
        this.items = items;
        this.finishOffsets = items.stream().mapToDouble(Item::finishesAfter).sorted().toArray();
        this.counts[0] = items.size();
    }

    synchronized boolean ended() {
        return status.equals("ended");
    }

    synchronized boolean deleted() {
        return deleted;
    }

    synchronized void delete() {
        deleted = true;
    }

    /** Requests not yet finished at simulated second {@code now} (0 once ended). */
    synchronized long queued(double now) {
        if (ended()) {
            return 0;
        }
        int done = Arrays.binarySearch(finishOffsets, now - createdAt);
        int finished = done >= 0 ? done + 1 : -done - 1;
        return finishOffsets.length - finished;
    }

    /** Starts cancelling at {@code after} seconds; false when it already ended or was cancelled. */
    synchronized boolean cancel(double after, Instant at) {
        if (!status.equals("in_progress")) {
            return false;
        }
        status = "canceling";
        cancelInitiatedAt = at;
        canceledAfter = after;
        cancelSignal.countDown();
        return true;
    }

    synchronized double canceledAfter() {
        return canceledAfter;
    }

    /** Ends the batch with its results (already shuffled) and counts {succeeded, errored, canceled, expired}. */
    synchronized void end(List<String> lines, long[] resultCounts, Instant at) {
        results = List.copyOf(lines);
        counts[0] = 0;
        System.arraycopy(resultCounts, 0, counts, 1, 4);
        status = "ended";
        endedAt = at;
    }

    synchronized List<String> results() {
        return results;
    }

    synchronized long[] counts() {
        return counts.clone();
    }

    synchronized ObjectNode toJson(String baseUrl) {
        ObjectNode b = Json.object();
        b.put("id", id);
        b.put("type", "message_batch");
        b.put("processing_status", status);
        ObjectNode c = b.putObject("request_counts");
        c.put("processing", counts[0]);
        c.put("succeeded", counts[1]);
        c.put("errored", counts[2]);
        c.put("canceled", counts[3]);
        c.put("expired", counts[4]);
        time(b, "ended_at", endedAt);
        b.put("created_at", createdInstant.toString());
        b.put("expires_at", createdInstant.plusNanos((long) (expiresAfter * 1e9)).toString());
        b.putNull("archived_at");
        time(b, "cancel_initiated_at", cancelInitiatedAt);
        if (endedAt != null) {
            b.put("results_url", baseUrl + "/v1/messages/batches/" + id + "/results");
        } else {
            b.putNull("results_url");
        }
        return b;
    }

    private static void time(ObjectNode b, String field, Instant value) {
        if (value == null) {
            b.putNull(field);
        } else {
            b.put(field, value.toString());
        }
    }
}
