package dev.pacer.batch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ResultLogTest {

    private static final String A = "{\"custom_id\":\"a\",\"result\":{\"type\":\"succeeded\",\"message\":{}}}";
    private static final String B = "{\"custom_id\":\"b\",\"result\":{\"type\":\"errored\",\"error\":{}}}";
    private static final String REQUEST = "{\"custom_id\":\"q1\",\"params\":{\"model\":\"claude-sonnet-4-5\",\"max_tokens\":8,"
            + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}}";

    @TempDir
    Path dir;

    @Test
    void aLineCutShortByACrashIsDroppedAndRedoneOnce() throws Exception {
        Path file = dir.resolve("results.jsonl");
        Files.writeString(file, A + "\n" + B.substring(0, 30)); // kill -9 in the middle of a write
        try (ResultLog log = ResultLog.open(file, 1)) {
            assertThat(log.done()).containsOnlyKeys("a");
            log.append("b", "errored", BatchInput.JSON.readTree(B));
        }
        assertThat(Files.readAllLines(file)).containsExactly(A, B);
    }

    @Test
    void aCompleteLastLineWithoutItsNewlineIsKept() throws Exception {
        Path file = dir.resolve("results.jsonl");
        Files.writeString(file, A);
        try (ResultLog log = ResultLog.open(file, 1)) {
            assertThat(log.done()).containsOnlyKeys("a");
            log.append("b", "errored", BatchInput.JSON.readTree(B));
        }
        assertThat(Files.readAllLines(file)).containsExactly(A, B);
    }

    @Test
    void theInputFileGivenAsOutputIsRefusedAndLeftExactlyAsItWas() throws Exception {
        Path file = dir.resolve("requests.jsonl");
        byte[] before = (REQUEST + "\n" + REQUEST.replace("q1", "q2") + "\n").getBytes(StandardCharsets.UTF_8);
        Files.write(file, before);
        assertThatThrownBy(() -> ResultLog.open(file, 1)).isInstanceOf(BatchException.class)
                .hasMessageContaining("line 1 is not a Message Batches result line (it is a request line")
                .hasMessageContaining("choose another -o path");
        assertThat(Files.readAllBytes(file)).isEqualTo(before);
    }

    @Test
    void aSingleRequestLineWithoutNewlineIsNotMistakenForATornResult() throws Exception {
        Path file = dir.resolve("requests.jsonl");
        Files.writeString(file, REQUEST);
        assertThatThrownBy(() -> ResultLog.open(file, 1)).isInstanceOf(BatchException.class);
        assertThat(Files.readString(file)).isEqualTo(REQUEST);
    }

    @Test
    void aDamagedLineInTheMiddleIsRefusedRatherThanCuttingTheResultsAfterIt() throws Exception {
        Path file = dir.resolve("results.jsonl");
        String content = A + "\n{oops\n" + B + "\n";
        Files.writeString(file, content);
        assertThatThrownBy(() -> ResultLog.open(file, 1)).hasMessageContaining("line 2 is not a Message Batches result line (not valid JSON)");
        assertThat(Files.readString(file)).isEqualTo(content);
    }

    @Test
    void statusOnTheWrongFileExplainsAndChangesNothing() throws Exception {
        Path file = dir.resolve("requests.jsonl");
        Files.writeString(file, REQUEST + "\n");
        assertThatThrownBy(() -> Status.print(file, new java.io.PrintStream(java.io.OutputStream.nullOutputStream())))
                .isInstanceOf(BatchException.class).hasMessageContaining("is not a Message Batches result line");
        assertThat(Files.readAllLines(file)).isEqualTo(List.of(REQUEST));
    }

    @Test
    void readingIgnoresATornTailWithoutCuttingIt() throws Exception {
        Path file = dir.resolve("results.jsonl");
        String content = A + "\n" + B.substring(0, 20);
        Files.writeString(file, content);
        assertThat(ResultLog.read(file)).containsOnlyKeys("a");
        assertThat(Files.readString(file)).isEqualTo(content);
    }
}
