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

    private static String errored(String id, String type) {
        return "{\"custom_id\":\"" + id + "\",\"result\":{\"type\":\"errored\",\"error\":{\"type\":\"error\",\"error\":{\"type\":\""
                + type + "\",\"message\":\"m\"},\"request_id\":null}}}";
    }

    private static String succeeded(String id, String text) {
        return "{\"custom_id\":\"" + id + "\",\"result\":{\"type\":\"succeeded\",\"message\":{\"text\":\"" + text + "\"}}}";
    }

    @Test
    void aReopenedLineIsReplacedInPlaceAndTheFileAlwaysHoldsEveryIdOnce() throws Exception {
        Path file = dir.resolve("results.jsonl");
        Files.write(file, List.of(errored("e1", "overloaded_error"), A, errored("e2", "api_error"), errored("e3", "invalid_request_error"),
                errored("e4", "timeout_error")));
        try (ResultLog log = ResultLog.open(file, 2)) {
            assertThat(log.errorType("e2")).isEqualTo("api_error");
            log.reopen(List.of("e1", "e2", "e4"));
            assertThat(log.isDone("e1")).isFalse();
            assertThat(log.isDone("e3")).isTrue();
            assertThat(log.finishedCount()).isEqualTo(2);
            // A new result for a reopened id replaces it (one, below the group of 2: not yet written).
            assertThat(log.append("e2", "succeeded", BatchInput.JSON.readTree(succeeded("e2", "a longer answer than before, so offsets move"))))
                    .isTrue();
            assertThat(Files.readAllLines(file)).as("before the rewrite: the old line, once").contains(errored("e2", "api_error"));
            assertThat(log.append("e2", "succeeded", BatchInput.JSON.readTree(succeeded("e2", "again")))).as("once only").isFalse();
            assertThat(log.append("new", "succeeded", BatchInput.JSON.readTree(succeeded("new", "x")))).isTrue();
            // The second replacement completes the group: the file is rewritten with both in place.
            log.append("e1", "errored", BatchInput.JSON.readTree(errored("e1", "overloaded_error").replace("\"m\"", "\"still overloaded\"")));
            assertThat(Files.readAllLines(file)).containsExactly(
                    errored("e1", "overloaded_error").replace("\"m\"", "\"still overloaded\""), A,
                    succeeded("e2", "a longer answer than before, so offsets move"), errored("e3", "invalid_request_error"),
                    errored("e4", "timeout_error"), succeeded("new", "x"));
            assertThat(dir.resolve("results.jsonl.rewrite.tmp")).doesNotExist();
            // Appends go on into the new file, and a later replacement finds its line where it moved to.
            log.append("new2", "succeeded", BatchInput.JSON.readTree(succeeded("new2", "y")));
            log.append("e4", "succeeded", BatchInput.JSON.readTree(succeeded("e4", "ok")));
            assertThat(log.reopenedLeft()).isZero();
        }
        assertThat(Files.readAllLines(file)).containsExactly(
                errored("e1", "overloaded_error").replace("\"m\"", "\"still overloaded\""), A,
                succeeded("e2", "a longer answer than before, so offsets move"), errored("e3", "invalid_request_error"),
                succeeded("e4", "ok"), succeeded("new", "x"), succeeded("new2", "y"));
        assertThat(ResultLog.read(file)).containsEntry("e2", "succeeded").containsEntry("e1", "errored").hasSize(7);
        try (ResultLog log = ResultLog.open(file, 1)) {
            assertThat(log.errorType("e2")).as("replaced by a success").isNull();
            log.append("late", "errored", BatchInput.JSON.readTree(errored("late", "rate_limit_error")));
            assertThat(log.errorType("late")).as("an appended line's error type is known at once").isEqualTo("rate_limit_error");
            assertThat(log.errorType("e1")).isEqualTo("overloaded_error");
        }
    }

    @Test
    void aCopyLeftByAnInterruptedRewriteIsRemovedAndTheFileIsKept() throws Exception {
        Path file = dir.resolve("results.jsonl");
        Files.write(file, List.of(A, errored("e1", "overloaded_error")));
        Files.writeString(dir.resolve("results.jsonl.rewrite.tmp"), A + "\n" + succeeded("e1", "half wri"));
        try (ResultLog log = ResultLog.open(file, 1)) {
            assertThat(log.done()).containsOnlyKeys("a", "e1");
        }
        assertThat(dir.resolve("results.jsonl.rewrite.tmp")).doesNotExist();
        assertThat(Files.readAllLines(file)).containsExactly(A, errored("e1", "overloaded_error"));
    }
}
