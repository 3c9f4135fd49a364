package dev.pacer.batch;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BatchResultMergerTest {

    @TempDir
    Path dir;
    private final ByteArrayOutputStream printed = new ByteArrayOutputStream();

    private RunOptions options() {
        return new RunOptions(dir.resolve("in.jsonl"), dir.resolve("out.jsonl"), RunOptions.Via.BATCHES, "http://127.0.0.1:1",
                "sk-ant-test-merge", List.of(), null, null, false, false, null, null, Duration.ofSeconds(1), Map.of(),
                dev.pacer.time.PacerClock.system(), dev.pacer.time.PacerScheduler.system(),
                new PrintStream(printed, true, StandardCharsets.UTF_8), false, Prices.defaults(), Duration.ofSeconds(1), false, false);
    }

    private static Map<String, BatchInput.Item> items(String... ids) {
        Map<String, BatchInput.Item> byId = new HashMap<>();
        for (String id : ids) {
            ObjectNode params = BatchInput.JSON.createObjectNode().put("model", "claude-sonnet-4-5").put("max_tokens", 10);
            byId.put(id, new BatchInput.Item(1, id, params));
        }
        return byId;
    }

    private static ByteArrayInputStream results(String... lines) {
        return new ByteArrayInputStream(String.join("\n", lines).getBytes(StandardCharsets.UTF_8));
    }

    private static String succeeded(String id) {
        return "{\"custom_id\":\"" + id + "\",\"result\":{\"type\":\"succeeded\",\"message\":{\"model\":\"claude-sonnet-4-5\","
                + "\"usage\":{\"input_tokens\":10,\"output_tokens\":5}}}}";
    }

    private static String errored(String id, String type) {
        return "{\"custom_id\":\"" + id + "\",\"result\":{\"type\":\"errored\",\"error\":{\"type\":\"error\",\"error\":{\"type\":\""
                + type + "\",\"message\":\"m\"}}}}";
    }

    @Test
    void retryableResultsAreHeldBackTwiceAtMostAndForeignIdsAreNeverWritten() throws Exception {
        RunOptions options = options();
        RunState state = RunState.load(options.output());
        state.inputSha256 = "x";
        Tally tally = new Tally();
        Map<String, BatchInput.Item> byId = items("a", "b", "c", "d");
        try (ResultLog log = ResultLog.open(options.output(), 5)) {
            BatchResultMerger merger = new BatchResultMerger(options, state, log, tally);
            RunState.Batch first = new RunState.Batch("msgbatch_1", List.of("a", "b", "c", "d"), false);
            state.batches.add(first);
            // d is not in the results at all: it goes again too.
            List<BatchInput.Item> again = merger.merge(first, results(succeeded("a"), "{\"custom_id\":\"b\",\"result\":{\"type\":\"expired\"}}",
                    errored("c", "invalid_request_error"), succeeded("x-foreign")), byId);
            assertThat(again).extracting(BatchInput.Item::customId).containsExactlyInAnyOrder("b", "d");
            assertThat(log.done()).containsOnlyKeys("a", "c");
            assertThat(printed.toString(StandardCharsets.UTF_8)).contains("batch msgbatch_1: 1 results for requests this run did not send were ignored")
                    .contains("batch msgbatch_1: 2 expired or failed requests go into a new batch.");
            assertThat(state.batches).containsExactly(new RunState.Batch("msgbatch_1", first.customIds(), true));

            for (int round = 2; round <= 3; round++) {
                RunState.Batch next = new RunState.Batch("msgbatch_" + round, List.of("b"), false);
                state.batches.add(next);
                again = merger.merge(next, results(errored("b", "overloaded_error")), byId);
                assertThat(again).as("round " + round).hasSize(round == 2 ? 1 : 0);
            }
            assertThat(log.done()).containsEntry("b", "errored");
            assertThat(tally.done.get()).isEqualTo(3);
            assertThat(tally.errored.get()).isEqualTo(2);
            assertThat(tally.output.get()).isEqualTo(5);
        }
        assertThat(Files.readString(options.output())).doesNotContain("x-foreign").contains("\"batch_id\":\"msgbatch_1\"");
    }
}
