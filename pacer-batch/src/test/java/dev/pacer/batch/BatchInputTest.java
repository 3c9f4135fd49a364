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
}
