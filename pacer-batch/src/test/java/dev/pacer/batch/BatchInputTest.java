package dev.pacer.batch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BatchInputTest {

    private static final String OK = "{\"custom_id\":\"%s\",\"params\":{\"model\":\"claude-sonnet-4-5\",\"max_tokens\":8,"
            + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}}";

    @TempDir
    Path dir;

    @Test
    void aByteOrderMarkBeforeTheFirstLineIsNotAJsonError() throws Exception {
        Path p = dir.resolve("in.jsonl");
        Files.write(p, ("\uFEFF" + OK.formatted("a") + "\n" + OK.formatted("b") + "\n").getBytes(StandardCharsets.UTF_8));
        BatchInput in = BatchInput.read(p);
        assertThat(in.problems()).isEmpty();
        assertThat(in.items()).extracting(BatchInput.Item::customId).containsExactly("a", "b");
    }

    @Test
    void theFirstTwentyProblemsAreListedWithLineNumbersThenACount() throws Exception {
        List<String> lines = new ArrayList<>();
        lines.add(OK.formatted("dup"));
        for (int i = 0; i < 25; i++) {
            lines.add(OK.formatted("dup"));
        }
        Path p = dir.resolve("in.jsonl");
        Files.write(p, lines);
        String text = BatchInput.read(p).describeProblems();
        assertThat(text).startsWith(p + " has 25 invalid lines (nothing was sent):")
                .contains("line 2: custom_id 'dup' is used again (first on line 1)")
                .contains("line 21: custom_id 'dup' is used again (first on line 1)")
                .doesNotContain("line 22:").contains("... and 5 more.").endsWith("record them as errored results and run the rest.");
    }

    @Test
    void anEmptyOrMissingFileIsOneSentence() throws Exception {
        Path empty = dir.resolve("empty.jsonl");
        Files.writeString(empty, "\n  \n");
        assertThatThrownBy(() -> BatchInput.read(empty)).isInstanceOf(BatchException.class).hasMessageStartingWith("The input file " + empty + " is empty;");
        assertThatThrownBy(() -> BatchInput.read(dir.resolve("nope.jsonl"))).hasMessageEndingWith("does not exist; check the path.");
        Path latin1 = dir.resolve("latin1.jsonl");
        Files.write(latin1, new byte[] {'{', (byte) 0xE9, '}', '\n'});
        assertThatThrownBy(() -> BatchInput.read(latin1)).hasMessageContaining("is not UTF-8 text (line 1)");
    }

    @Test
    void forTheBatchesApiFastModeIsAProblemWithItsLineAndStreamingIsOneForEveryRun() throws Exception {
        Path p = dir.resolve("in.jsonl");
        Files.write(p, List.of(OK.formatted("a"),
                OK.formatted("fast").replace("\"max_tokens\":8", "\"max_tokens\":8,\"speed\":\"fast\""),
                OK.formatted("streamed").replace("\"max_tokens\":8", "\"max_tokens\":8,\"stream\":true"),
                OK.formatted("b")));
        BatchInput live = BatchInput.read(p);
        assertThat(live.problems()).extracting(BatchInput.Problem::toString).containsExactly("line 3: params.stream must not be true in a batch file");
        assertThat(live.items()).extracting(BatchInput.Item::customId).containsExactly("a", "fast", "b");
        BatchInput batches = live.forBatches();
        assertThat(batches.problems()).extracting(BatchInput.Problem::toString).containsExactly(
                "line 2: params.speed is not accepted by the Batches API (fast mode cannot be batched); remove it, or run with --via messages",
                "line 3: params.stream must not be true in a batch file");
        assertThat(batches.items()).extracting(BatchInput.Item::customId).containsExactly("a", "b");
        assertThat(batches.sha256()).isEqualTo(live.sha256());
        assertThat(batches.describeProblems()).contains("has 2 invalid lines (nothing was sent):");
    }

    @Test
    void eachUnknownModelIdIsWarnedAboutOnceWithItsCountAndFirstLine() throws Exception {
        Path p = dir.resolve("in.jsonl");
        Files.write(p, List.of(OK.formatted("a"), OK.formatted("b").replace("claude-sonnet-4-5", "claude-sonet-4-5"),
                OK.formatted("c").replace("claude-sonnet-4-5", "claude-sonet-4-5"), OK.formatted("d").replace("claude-sonnet-4-5", "claude-haiku-4-5-20251001")));
        assertThat(BatchInput.read(p).unknownModelWarnings(Prices.defaults())).containsExactly("Warning: model 'claude-sonet-4-5' (2 requests,"
                + " first on line 2) is not a model id Pacer knows: it gets a quota pool of its own and, with no price known, is priced"
                + " like Sonnet; check the spelling, as the API answers an unknown model with 404.");
    }
}
