package dev.pacer.batch;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What a {@code --via batches} run picks up from the runs before it, so that a run killed at any
 * moment resumes with every request answered exactly once: the batches recorded in the run state
 * and not merged yet are polled again (a resume never creates a batch twice); a create that may or
 * may not have reached the API when the run died is resolved against the API's own list; and a
 * recorded batch the API does not know is either submitted again (the built-in simulator's) or
 * left to the user.
 *
 * <p>Its share of the run's invariant: before a create, the ids it covers are in the state under
 * the id {@code "pending"} with the API's time and the count; after it, under the batch's id. So
 * at every instant each request handed to the API is recorded, and {@link #adoptPendingCreate}
 * only has to decide which batch a {@code "pending"} entry became, if any.
 */
final class BatchRecovery {

    /** How far apart a recorded create and the batch the API shows for it may be (see {@link #adoptPendingCreate}). */
    static final Duration ADOPT_WINDOW = Duration.ofMinutes(10);
    /** Pages of the API's batch list looked through for a pending create, at 100 a page. */
    private static final int MAX_PAGES = 20;

    private final RunOptions options;
    private final RunState state;
    private final ResultLog log;
    private final BatchesClient api;

    BatchRecovery(RunOptions options, RunState state, ResultLog log, BatchesClient api) {
        this.options = options;
        this.state = state;
        this.log = log;
        this.api = api;
    }

    /**
     * Resolves a pending create, then returns the recorded batches not merged yet: they are polled, not
     * created again. A pending create the run stopped before resolving stays recorded for the next run.
     */
    List<RunState.Batch> unmergedBatches() {
        adoptPendingCreate();
        return state.batches.stream().filter(b -> !b.merged() && !b.id().equals("pending")).toList();
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
    private void adoptPendingCreate() {
        RunState.Batch pending = state.batches.stream().filter(b -> b.id().equals("pending")).findFirst().orElse(null);
        if (pending == null) {
            return;
        }
        Instant at = state.pendingCreateAt == null ? Instant.EPOCH : Instant.parse(state.pendingCreateAt);
        Instant from = at.minus(ADOPT_WINDOW);
        Instant to = at.plus(ADOPT_WINDOW);
        List<String> matches = new ArrayList<>();
        String after = null;
        for (int page = 0; page < MAX_PAGES; page++) {
            JsonNode list = api.list(after);
            if (list == null) {
                return; // stopping: decided by the next run
            }
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
     * A recorded batch the API does not know. The built-in simulator keeps batches only while it
     * runs, so there its requests are simply submitted again (returned). Against any other API it
     * may be a different key or workspace, and resubmitting could run the requests twice: the user
     * decides.
     */
    List<BatchInput.Item> forget(RunState.Batch batch, Map<String, BatchInput.Item> byId, BatchesClient.Reply notFound) {
        if (!options.builtInSimulator()) {
            throw new BatchException("Batch " + batch.id() + ", recorded in " + RunState.sidecarOf(options.output()) + ", is not known to "
                    + options.baseUrl() + " (" + notFound.message() + "); run with the API key (and workspace) that created it, or remove"
                    + " that batch from the file to submit its requests again.");
        }
        state.batches.remove(batch);
        state.save();
        List<BatchInput.Item> again = batch.customIds().stream().filter(id -> !log.isDone(id)).map(byId::get)
                .filter(Objects::nonNull).toList();
        options.out().printf("Batch %s belonged to an earlier built-in simulator, which keeps batches only while it runs; its %,d"
                + " requests without a result are submitted again.%n", batch.id(), again.size());
        return again;
    }
}
