package dev.pacer.cli.issues;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pacer.cli.PacerCommand;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code batch run --limits} (and a pacer.yaml's {@code limits:}) applied only to the six model
 * classes BatchCommand listed by hand (opus-4, sonnet-4, haiku-4-5, haiku-3-5, opus-5, sonnet-5);
 * the classes ModelClasses knows beyond them ran on limits learned from the headers instead, as if
 * nothing had been given. Now the list is ModelClasses' own.
 *
 * <p>Made visible with limits no request fits: 10 output tokens a minute against max_tokens 400
 * fails a request before it is sent, naming its pool. Every model answers that way; before the fix
 * the models of the missing classes were sent and succeeded.
 */
class LimitsReachEveryModelClassTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    /** sonnet-4 was on the old list; the others are every class ModelClasses knows that it lacked. */
    private static final List<String> MODELS = List.of("claude-sonnet-4-5", "claude-opus-5-5", "claude-sonnet-5-5", "claude-haiku-5-5",
            "claude-fable-5", "claude-fable-5-1", "claude-mythos-5", "claude-mythos-5-1", "claude-mythos-5-2", "claude-mythos-preview");

    @TempDir
    Path dir;

    @Test
    void limitsGivenByFlagApplyToEveryModelClass() throws Exception {
        assertEveryModelWasHeldToTheLimits(run("--limits", "rpm=50,itpm=30000,otpm=10"));
    }

    @Test
    void limitsGivenByTheConfigFileApplyToEveryModelClass() throws Exception {
        Path config = Files.writeString(dir.resolve("pacer.yaml"), "limits: {rpm: 50, itpm: 30000, otpm: 10}\n");
        assertEveryModelWasHeldToTheLimits(run("--config", config.toString()));
    }

    private Map<String, JsonNode> run(String... limits) throws Exception {
        List<String> lines = new ArrayList<>();
        for (String model : MODELS) {
            lines.add("{\"custom_id\":\"" + model + "\",\"params\":{\"model\":\"" + model + "\",\"max_tokens\":400,"
                    + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}}");
        }
        Path in = Files.write(dir.resolve("in.jsonl"), lines);
        Path out = dir.resolve("out.jsonl");
        Files.deleteIfExists(out);
        List<String> args = new ArrayList<>(List.of("batch", "run", in.toString(), "-o", out.toString(), "--sim", "--progress", "log"));
        args.addAll(List.of(limits));
        StringWriter err = new StringWriter();
        int code = PacerCommand.run(args.toArray(String[]::new), new PrintWriter(new StringWriter(), true), new PrintWriter(err, true));
        assertThat(code).as("done with errors: " + err).isEqualTo(PacerCommand.ERRORED);
        Map<String, JsonNode> results = new HashMap<>();
        for (String line : Files.readAllLines(out)) {
            JsonNode node = JSON.readTree(line);
            results.put(node.path("custom_id").asText(), node.path("result"));
        }
        return results;
    }

    private static void assertEveryModelWasHeldToTheLimits(Map<String, JsonNode> results) {
        assertThat(results).containsOnlyKeys(MODELS);
        // Every model is checked, so that a failure names every class the limits missed.
        SoftAssertions.assertSoftly(soft -> results.forEach((model, result) -> {
            String pool = model.substring("claude-".length()).replace("sonnet-4-5", "sonnet-4");
            soft.assertThat(result.path("error").path("error").path("message").asText()).as(model + " (" + result.path("type").asText() + ")")
                    .contains(":" + pool + "' holds at most 10");
        }));
    }
}
