package dev.pacer.batch.functional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pacer.batch.BatchException;
import dev.pacer.batch.BatchInput;
import dev.pacer.batch.BatchRunner;
import dev.pacer.batch.RunOptions;
import dev.pacer.sim.SimServer;
import dev.pacer.sim.Tier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code --via batches} against the simulator's Batches endpoints, resumed from crafted states. */
class BatchesRunTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;
    private SimServer sim;

    @AfterEach
    void close() {
        if (sim != null) {
            sim.close();
        }
    }

    private SimServer fastBatches() throws Exception {
        return SimServer.builder().tier(Tier.TIER_1).timeScale(100).seed(21).configure(s -> s.batches(60, 100_000)).start();
    }

    /** The state a run leaves when it stopped (or was killed) after merging {@code batch} but before resubmitting what it held back. */
    private void crashedAfterMerge(Path in, Path out, String batchId, boolean merged, List<String> ids, List<String> done) throws Exception {
        ObjectNode state = JSON.createObjectNode();
        state.put("input", in.toString());
        state.put("input_sha256", BatchInput.read(in).sha256());
        state.put("via", "batches");
        ArrayNode batches = state.putArray("batches");
        ObjectNode b = batches.addObject();
        b.put("id", batchId);
        b.put("merged", merged);
        ids.forEach(b.putArray("custom_ids")::add);
        Files.writeString(RunStateFiles.sidecar(out), JSON.writeValueAsString(state));
        List<String> lines = new ArrayList<>();
        for (String id : done) {
            lines.add("{\"custom_id\":\"" + id + "\",\"result\":{\"type\":\"succeeded\",\"message\":{\"usage\":{}}}}");
        }
        Files.write(out, lines);
    }

    @Test
    void requestsAMergedBatchHeldBackForResubmissionAreSubmittedOnResume() throws Exception {
        sim = fastBatches();
        Runs runs = new Runs(sim, dir);
        runs.via = RunOptions.Via.BATCHES;
        Path in = runs.input("in.jsonl", 5, 0, 20);
        Path out = dir.resolve("out.jsonl");
        // q-4 and q-5 expired in msgbatch_old; the run stopped before putting them in a new batch.
        crashedAfterMerge(in, out, "msgbatch_old", true, List.of("q-1", "q-2", "q-3", "q-4", "q-5"), List.of("q-1", "q-2", "q-3"));
        BatchRunner.Summary s = new BatchRunner(runs.options(in, out)).run();
        assertThat(s.ending()).isEqualTo(BatchRunner.Ending.DONE);
        assertThat(Runs.ids(out)).hasSize(5).allSatisfy((id, n) -> assertThat(n).as(id).isEqualTo(1));
        assertThat(sim.stats().path("batches").path("created").asLong()).isEqualTo(1);
        assertThat(sim.stats().path("batches").path("requests").asLong()).as("only the two left over are resubmitted").isEqualTo(2);
    }

    /** Creates a batch on the test key, as another process (or a run that crashed before recording it) would. */
    private String createBatch(List<String> ids) throws Exception {
        String body = "{\"requests\":[" + String.join(",", ids.stream().map(id -> "{\"custom_id\":\"" + id
                + "\",\"params\":{\"model\":\"claude-sonnet-4-5\",\"max_tokens\":8,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}}")
                .toList()) + "]}";
        String created = java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(sim.baseUrl()
                        + "/v1/messages/batches"))
                .header("x-api-key", "sk-ant-test-key").header("anthropic-version", "2023-06-01").header("content-type", "application/json")
                .POST(java.net.http.HttpRequest.BodyPublishers.ofString(body)).build(), java.net.http.HttpResponse.BodyHandlers.ofString()).body();
        return JSON.readTree(created).path("id").asText();
    }

    /** The state of a run killed between recording a create of {@code ids} at {@code at} (the API's clock) and recording its batch id. */
    private void crashedDuringCreate(Path in, Path out, List<String> ids, java.time.Instant at) throws Exception {
        crashedAfterMerge(in, out, "pending", false, ids, List.of());
        ObjectNode state = (ObjectNode) JSON.readTree(RunStateFiles.sidecar(out).toFile());
        state.put("pending_create_at", at.toString()).put("pending_create_count", ids.size());
        Files.writeString(RunStateFiles.sidecar(out), JSON.writeValueAsString(state));
    }

    @Test
    void aPendingCreateIsAdoptedWithinTenMinutesEvenWhenTheRecordedTimeIsAheadOfTheApisClock() throws Exception {
        sim = fastBatches();
        Runs runs = new Runs(sim, dir);
        runs.via = RunOptions.Via.BATCHES;
        Path in = runs.input("in.jsonl", 3, 0, 20);
        Path out = dir.resolve("out.jsonl");
        // Our create reached the API; the run was killed before writing down its id, and the time it
        // recorded is 2 minutes ahead of the API's created_at (a machine clock that runs ahead).
        String ours = createBatch(List.of("q-1", "q-2", "q-3"));
        crashedDuringCreate(in, out, List.of("q-1", "q-2", "q-3"), sim.clock().now().plus(Duration.ofMinutes(2)));
        BatchRunner.Summary s = new BatchRunner(runs.options(in, out)).run();
        assertThat(s.ending()).isEqualTo(BatchRunner.Ending.DONE);
        assertThat(runs.printed()).contains("Adopted batch " + ours);
        assertThat(sim.stats().path("batches").path("created").asLong()).as("no duplicate batch").isEqualTo(1);
        assertThat(Runs.ids(out)).hasSize(3).allSatisfy((id, n) -> assertThat(n).isEqualTo(1));
    }

    @Test
    void twoBatchesThatCouldBeThePendingCreateAreRefusedWithTheSidecarAndTheFix() throws Exception {
        sim = fastBatches();
        Runs runs = new Runs(sim, dir);
        runs.via = RunOptions.Via.BATCHES;
        Path in = runs.input("in.jsonl", 3, 0, 20);
        Path out = dir.resolve("out.jsonl");
        String first = createBatch(List.of("q-1", "q-2", "q-3"));
        String second = createBatch(List.of("x-1", "x-2", "x-3"));
        crashedDuringCreate(in, out, List.of("q-1", "q-2", "q-3"), sim.clock().now());
        assertThatThrownBy(() -> new BatchRunner(runs.options(in, out)).run()).isInstanceOf(BatchException.class)
                .hasMessageContaining(second + " and " + first + " each hold that many")
                .hasMessageContaining("in " + out + ".pacer.json replace the id \"pending\" with the batch whose results hold your custom_ids");
        assertThat(sim.stats().path("batches").path("created").asLong()).as("nothing created").isEqualTo(2);
        assertThat(Files.readString(RunStateFiles.sidecar(out))).as("the state is left for the user").contains("\"pending\"");
    }

    @Test
    void anAdoptedBatchThatWasNotOursNeverWritesForeignIdsAndOurRequestsStillRun() throws Exception {
        sim = fastBatches();
        // Someone else's batch of the same size, created on the same key while our create was pending.
        createBatch(List.of("x-1", "x-2", "x-3"));
        Runs runs = new Runs(sim, dir);
        runs.via = RunOptions.Via.BATCHES;
        Path in = runs.input("in.jsonl", 3, 0, 20);
        Path out = dir.resolve("out.jsonl");
        crashedDuringCreate(in, out, List.of("q-1", "q-2", "q-3"), sim.clock().now());
        BatchRunner.Summary s = new BatchRunner(runs.options(in, out)).run();
        assertThat(s.ending()).isEqualTo(BatchRunner.Ending.DONE);
        assertThat(Runs.ids(out)).containsOnlyKeys("q-1", "q-2", "q-3");
        assertThat(runs.printed()).contains("3 results for requests this run did not send were ignored");
    }

    @Test
    void aBatchOfAnEarlierBuiltInSimulatorIsSubmittedAgainAnyOtherUnknownBatchIsTheUsersCall() throws Exception {
        sim = fastBatches();
        Runs runs = new Runs(sim, dir);
        runs.via = RunOptions.Via.BATCHES;
        Path in = runs.input("in.jsonl", 4, 0, 20);
        Path out = dir.resolve("out.jsonl");
        crashedAfterMerge(in, out, "msgbatch_gone", false, List.of("q-1", "q-2", "q-3", "q-4"), List.of());
        assertThatThrownBy(() -> new BatchRunner(runs.options(in, out)).run()).isInstanceOf(BatchException.class)
                .hasMessageContaining("Batch msgbatch_gone, recorded in " + out + ".pacer.json, is not known to " + sim.baseUrl())
                .hasMessageContaining("run with the API key (and workspace) that created it");
        assertThat(sim.stats().path("batches").path("created").asLong()).as("no duplicate created").isZero();

        runs.builtIn = true;
        BatchRunner.Summary s = new BatchRunner(runs.options(in, out)).run();
        assertThat(s.ending()).isEqualTo(BatchRunner.Ending.DONE);
        assertThat(runs.printed()).contains("Batch msgbatch_gone belonged to an earlier built-in simulator");
        assertThat(Runs.ids(out)).hasSize(4).allSatisfy((id, n) -> assertThat(n).isEqualTo(1));
    }

    @Test
    void aStopWhilePollingIsActedOnAtOnceAndTheBatchIsMergedOnResume() throws Exception {
        sim = SimServer.builder().tier(Tier.TIER_1).timeScale(10).seed(22).configure(s -> s.batches(30, 100_000)).start();
        Runs runs = new Runs(sim, dir);
        runs.via = RunOptions.Via.BATCHES;
        runs.pollInterval = Duration.ofSeconds(30);
        Path in = runs.input("in.jsonl", 6, 0, 20);
        Path out = dir.resolve("out.jsonl");
        BatchRunner runner = new BatchRunner(runs.options(in, out));
        CompletableFuture<BatchRunner.Summary> run = CompletableFuture.supplyAsync(runner::run);
        assertThat(Runs.eventually(Duration.ofSeconds(20), () -> runs.printed().contains("next check in 30 s"))).isTrue();
        long stopAt = System.nanoTime();
        runner.stop();
        BatchRunner.Summary s = run.get(20, TimeUnit.SECONDS);
        assertThat(Duration.ofNanos(System.nanoTime() - stopAt)).isLessThan(Duration.ofSeconds(5));
        assertThat(s.ending()).isEqualTo(BatchRunner.Ending.STOPPED);
        runs.pollInterval = Duration.ofMillis(200);
        BatchRunner.Summary resumed = new BatchRunner(runs.options(in, out)).run();
        assertThat(resumed.ending()).isEqualTo(BatchRunner.Ending.DONE);
        assertThat(Runs.ids(out)).hasSize(6);
        assertThat(sim.stats().path("batches").path("created").asLong()).as("the resume merged the same batch").isEqualTo(1);
    }

    @Test
    void theCostCapLimitsWhatIsSubmittedAndTheBatchesCreatedAreStillMerged() throws Exception {
        sim = fastBatches();
        Runs runs = new Runs(sim, dir);
        runs.via = RunOptions.Via.BATCHES;
        Path in = runs.input("in.jsonl", 40, 0, 100);
        runs.maxCost = 0.01; // at half price the worst case of one request is ~$0.0008: about 12 fit
        Path out = dir.resolve("out.jsonl");
        BatchRunner.Summary s = new BatchRunner(runs.options(in, out)).run();
        assertThat(s.ending()).isEqualTo(BatchRunner.Ending.STOPPED);
        assertThat(s.stoppedBecause()).isEqualTo("cost cap");
        assertThat(s.costUsd()).isLessThanOrEqualTo(0.01);
        assertThat(Runs.ids(out).size()).isBetween(5, 20);
        assertThat(runs.printed()).contains("No new batch: the rest could pass the cost cap of $0.01");
        // The sidecar keeps the flags, so status can say exactly how to resume (and never the key).
        java.io.ByteArrayOutputStream status = new java.io.ByteArrayOutputStream();
        dev.pacer.batch.Status.print(out, new java.io.PrintStream(status, true));
        assertThat(status.toString()).contains("Resume with: pacer batch run " + in + " -o " + out + " --via batches --base-url "
                + sim.baseUrl() + " --max-cost 0.01");
        assertThat(Files.readString(RunStateFiles.sidecar(out))).doesNotContain("sk-ant-test-key");
    }

    @Test
    void viaBatchesALineTheBatchesApiRefusesStopsTheRunBeforeAnythingIsSent() throws Exception {
        sim = fastBatches();
        Runs runs = new Runs(sim, dir);
        runs.via = RunOptions.Via.BATCHES;
        Path in = runs.input("in.jsonl", 4, 0, 20);
        List<String> lines = new ArrayList<>(Files.readAllLines(in));
        lines.set(2, lines.get(2).replace("\"max_tokens\":20", "\"max_tokens\":20,\"speed\":\"fast\""));
        Files.write(in, lines);
        Path out = dir.resolve("out.jsonl");
        assertThatThrownBy(() -> new BatchRunner(runs.options(in, out)).run()).isInstanceOf(BatchException.class)
                .hasMessageContaining("has 1 invalid line (nothing was sent):")
                .hasMessageContaining("line 3: params.speed is not accepted by the Batches API");
        assertThat(sim.stats().path("requests").asLong()).isZero();
        // With --skip-invalid it becomes an errored result and the rest goes into the batch.
        runs.skipInvalid = true;
        BatchRunner.Summary s = new BatchRunner(runs.options(in, out)).run();
        assertThat(s.ending()).isEqualTo(BatchRunner.Ending.DONE_WITH_ERRORS);
        assertThat(sim.stats().path("batches").path("requests").asLong()).isEqualTo(3);
        assertThat(Runs.ids(out)).hasSize(4);
    }
}
