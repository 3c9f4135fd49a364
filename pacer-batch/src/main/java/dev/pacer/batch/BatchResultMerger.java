package dev.pacer.batch;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pacer.anthropic.ModelClasses;
import dev.pacer.anthropic.Usage;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Streams an ended batch's results into the results file, line by line, and says which requests
 * go into another batch: {@code expired} results and errors worth retrying ({@code api_error},
 * {@code overloaded_error}, ...), twice at most per request over the run; after that they are
 * written as they came.
 *
 * <p>Its share of exactly-once: a result is written only for a request of this batch that has
 * none yet, never for a {@code custom_id} this run did not send (an adopted batch that was not
 * ours after all), and the batch is marked merged in the run state only after the results file
 * is synced. A request the results do not mention goes into a new batch, within the same budget.
 */
final class BatchResultMerger {

    private static final int RESUBMIT_ROUNDS = 2;

    private final RunOptions options;
    private final RunState state;
    private final ResultLog log;
    private final Tally tally;
    private final ModelClasses classes = ModelClasses.defaults();
    /** How many times each request was resubmitted. */
    private final Map<String, Integer> rounds = new HashMap<>();

    BatchResultMerger(RunOptions options, RunState state, ResultLog log, Tally tally) {
        this.options = options;
        this.state = state;
        this.log = log;
        this.tally = tally;
    }

    /** Merges {@code batch}'s {@code results} (closed here); returns the requests held back for another round. */
    List<BatchInput.Item> merge(RunState.Batch batch, InputStream results, Map<String, BatchInput.Item> byId) {
        List<BatchInput.Item> again = new ArrayList<>();
        Set<String> ours = new HashSet<>(batch.customIds());
        Set<String> answered = new HashSet<>();
        int foreign = 0;
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(results, StandardCharsets.UTF_8))) {
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
                boolean retryable = type.equals("expired") || (type.equals("errored") && RunOptions.RETRYABLE_ERRORS.contains(errorType));
                if (retryable && anotherRound(id, byId)) {
                    again.add(byId.get(id));
                    continue;
                }
                write(batch, id, type, (ObjectNode) node);
            }
        } catch (IOException e) {
            throw new BatchException("Reading the results of batch " + batch.id() + " failed (" + e.getMessage()
                    + "); rerun the same command to resume.");
        }
        // A request of ours the results do not mention (the batch adopted was not ours after all)
        // goes into a new batch, within the same resubmission budget.
        for (String id : batch.customIds()) {
            if (!answered.contains(id) && !log.isDone(id) && anotherRound(id, byId)) {
                again.add(byId.get(id));
            }
        }
        log.sync();
        if (foreign > 0) {
            options.out().printf("batch %s: %,d results for requests this run did not send were ignored.%n", batch.id(), foreign);
        }
        state.markMerged(batch.id());
        if (!again.isEmpty()) {
            options.out().printf("batch %s: %,d expired or failed requests go into a new batch.%n", batch.id(), again.size());
        }
        return again;
    }

    /** True (and counted) when {@code id} may go into another batch. */
    private boolean anotherRound(String id, Map<String, BatchInput.Item> byId) {
        if (!byId.containsKey(id) || rounds.getOrDefault(id, 0) >= RESUBMIT_ROUNDS) {
            return false;
        }
        rounds.merge(id, 1, Integer::sum);
        return true;
    }

    private void write(RunState.Batch batch, String id, String type, ObjectNode line) {
        line.putObject("pacer").put("via", "batches").put("batch_id", batch.id());
        log.append(id, type, line);
        tally.done.incrementAndGet();
        if (type.equals("succeeded")) {
            JsonNode usage = line.path("result").path("message").path("usage");
            Usage u = Usage.of(usage);
            tally.input.addAndGet(u.totalInput());
            tally.output.addAndGet(u.output());
            String model = line.path("result").path("message").path("model").asText("");
            tally.cost.add(options.prices().cost(classes.classOf(model), usage, true));
        } else {
            tally.errored.incrementAndGet();
        }
    }
}
