package dev.pacer.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PacerCommandTest {

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int run(String... args) {
        return PacerCommand.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
    }

    @Test
    void versionAndHelp() {
        assertThat(run("--version")).isZero();
        assertThat(out.toString()).startsWith("pacer ");
        assertThat(run("sim", "--help")).isZero();
        assertThat(out.toString()).contains("--time-scale").contains("--limits");
    }

    @Test
    void everyBadBatchRunFlagIsOneSentenceAndExitCode2BeforeAnythingStarts(@TempDir Path dir) throws Exception {
        Path in = dir.resolve("in.jsonl");
        Files.writeString(in, "{\"custom_id\":\"a\",\"params\":{\"model\":\"claude-sonnet-4-5\",\"max_tokens\":8,"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}}\n");
        String out = dir.resolve("out.jsonl").toString();
        String[][] cases = {
            {"--window", "25:00-06:00", "--window '25:00-06:00' is not a window; use HH:MM-HH:MM"},
            {"--window", "22:00-06:00@Mars/Base", "--window '22:00-06:00@Mars/Base' names an unknown time zone"},
            {"--base-url", "notaurl", "--base-url 'notaurl' is not an http(s) URL"},
            {"--max-cost", "-1", "--max-cost -1.0 must be an amount of US dollars above 0"},
            {"--max-cost", "0", "--max-cost 0.0 must be an amount of US dollars above 0"},
            {"--progress", "fancy", "--progress 'fancy' is not allowed; use bar, log or auto."},
            {"--concurrency", "0", "--concurrency '0' must be a number from 1 to 100000, or auto."},
            {"--grace", "-5s", "--grace '-5s' must not be negative"},
            {"--via", "fast", "--via 'fast' is not allowed; use messages, batches or auto."},
            {"--limits", "rpm=5", "--limits: itpm is missing"},
            {"--deadline", "tomorrow", "--deadline 'tomorrow' is not an ISO-8601 instant"},
            {"--fallback", " ", "--fallback names no model"},
        };
        for (String[] c : cases) {
            err.getBuffer().setLength(0);
            assertThat(run("batch", "run", in.toString(), "-o", out, c[0], c[1])).as(c[0] + " " + c[1]).isEqualTo(2);
            assertThat(err.toString()).as(c[0] + " " + c[1]).startsWith("pacer: " + c[2]).doesNotContain("Exception").doesNotContain("\tat ");
            assertThat(err.toString().trim().lines().count()).as(c[0] + " " + c[1]).isEqualTo(1);
        }
        assertThat(Files.exists(dir.resolve("out.jsonl"))).as("nothing ran").isFalse();
    }

    @Test
    void aBadPacerYamlIsOneSentenceWithItsLineAndNothingRuns(@TempDir Path dir) throws Exception {
        Path in = dir.resolve("in.jsonl");
        Files.writeString(in, "{\"custom_id\":\"a\",\"params\":{\"model\":\"claude-sonnet-4-5\",\"max_tokens\":8,"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}}\n");
        Path config = dir.resolve("pacer.yaml");
        String[][] cases = {
            {"max-cost: 5\nwindw: 22:00-06:00\n", "pacer.yaml line 2: 'windw' is not a setting; use base-url, classes, concurrency,"},
            {"window: 25:00-06:00\n", "pacer.yaml line 1: window: --window '25:00-06:00' is not a window"},
            {"max-cost: -3\n", "pacer.yaml line 1: max-cost: --max-cost -3 must be an amount of US dollars above 0"},
            {"classes:\n  sonnet-4: {rpm: 50, itpm: 30000}\n", "pacer.yaml line 2: classes.sonnet-4 needs rpm, itpm and otpm"},
            {"prices:\n  sonnet-4: {input: 3, output: lots}\n", "pacer.yaml line 2: prices.sonnet-4.output must be USD per million tokens"},
            {"via: [batches\n", "pacer.yaml line 2: this is not valid YAML"},
            {"base-url: ftp://example.com\n", "pacer.yaml line 1: base-url: --base-url 'ftp://example.com' is not an http(s) URL"},
        };
        for (String[] c : cases) {
            Files.writeString(config, c[0]);
            err.getBuffer().setLength(0);
            assertThat(run("batch", "run", in.toString(), "-o", dir.resolve("out.jsonl").toString(), "--config", config.toString()))
                    .as(c[0]).isEqualTo(2);
            assertThat(err.toString()).as(c[0]).startsWith("pacer: " + c[1]).doesNotContain("Exception");
            assertThat(err.toString().trim().lines().count()).as(c[0]).isEqualTo(1);
            err.getBuffer().setLength(0);
            assertThat(run("batch", "plan", in.toString(), "--config", config.toString())).as("plan " + c[0]).isEqualTo(2);
            assertThat(err.toString()).as("plan " + c[0]).startsWith("pacer: pacer.yaml line");
        }
        err.getBuffer().setLength(0);
        assertThat(run("batch", "run", in.toString(), "-o", dir.resolve("out.jsonl").toString(), "--config", dir.resolve("nope.yaml").toString()))
                .isEqualTo(2);
        assertThat(err.toString()).contains("The config file").contains("does not exist; check the path given to --config.");
        assertThat(Files.exists(dir.resolve("out.jsonl"))).as("nothing ran").isFalse();
    }

    @Test
    void badUsageAndConfigAreOneSentenceAndExitCode2(@TempDir Path dir) throws Exception {
        assertThat(run("sim", "--limits", "rpm=50,itpm=x,otpm=1")).isEqualTo(2);
        assertThat(err.toString().trim()).isEqualTo("pacer: --limits: itpm needs a whole number, as in rpm=50,itpm=30000,otpm=8000.");
        assertThat(run("sim", "--nope")).isEqualTo(2);
        Path config = dir.resolve("sim.yaml");
        Files.writeString(config, "seed: 1\nlatency:\n  ttft: -1\n");
        err.getBuffer().setLength(0);
        assertThat(run("sim", "--config", config.toString())).isEqualTo(2);
        assertThat(err.toString()).contains("sim.yaml line 3: latency.ttft must be 0 or more, not -1.0.")
                .doesNotContain("Exception").doesNotContain("\tat ");
        err.getBuffer().setLength(0);
        assertThat(run("sim", "--config", dir.resolve("missing.yaml").toString())).isEqualTo(2);
        assertThat(err.toString()).contains("does not exist");
    }

    @Test
    void aBadPortOrHostNamesItsFlagAndExits2BeforeAnythingStarts() {
        String[][] cases = {
            {"--port", "-5", "pacer: --port must be between 0 and 65535, not -5."},
            {"--port", "99999", "pacer: --port must be between 0 and 65535, not 99999."},
            {"--host", "999.1.1.1", "pacer: --host 999.1.1.1 is not an address or a name this machine can resolve; use 127.0.0.1"},
            {"--host", "192.0.2.1", "pacer: --host 192.0.2.1 is not an address of this machine, so nothing can listen there"},
        };
        for (String[] c : cases) {
            err.getBuffer().setLength(0);
            String[] args = c[0].equals("--port") ? new String[] {"sim", c[0], c[1]} : new String[] {"sim", c[0], c[1], "--port", "0"};
            assertThat(run(args)).as(c[0] + " " + c[1]).isEqualTo(2);
            assertThat(err.toString()).as(c[0] + " " + c[1]).startsWith(c[2]).doesNotContain("Exception");
            assertThat(err.toString().trim().lines().count()).isEqualTo(1);
        }
    }

    @Test
    void theBannerSaysWhenLimitsAreCustomAndATierOverAFilesLimitsSaysSo(@TempDir Path dir) throws Exception {
        SimCommand.Setup flags = SimCommand.setup(null, null, "rpm=5,itpm=5000,otpm=500", null, null, null);
        assertThat(SimCommand.describe(flags.settings(), flags.limitsFrom())).startsWith("  limits (custom, from --limits, output counted")
                .contains("sonnet-4").contains("5 RPM");
        assertThat(flags.note()).isNull();
        SimCommand.Setup preset = SimCommand.setup(null, "tier-2", null, null, null, null);
        assertThat(SimCommand.describe(preset.settings(), preset.limitsFrom())).startsWith("  limits (tier-2, output counted");

        Path file = dir.resolve("sim.yaml");
        Files.writeString(file, "limits: {rpm: 7, itpm: 7000, otpm: 700}\n");
        SimCommand.Setup fromFile = SimCommand.setup(file, null, null, null, null, null);
        assertThat(fromFile.limitsFrom()).isEqualTo("custom, from sim.yaml");
        assertThat(fromFile.note()).isNull();
        SimCommand.Setup tierWins = SimCommand.setup(file, "tier-2", null, null, null, null);
        assertThat(tierWins.settings().limits().classes().get("sonnet-4").rpm()).as("the flag wins").isEqualTo(1_000);
        assertThat(tierWins.note()).isEqualTo("Note: --tier tier-2 replaces the limits sim.yaml sets for the tier-2 classes (classes the"
                + " file adds keep theirs); leave out --tier to use the file's limits.");
        Files.writeString(file, "seed: 3\n");
        assertThat(SimCommand.setup(file, "tier-2", null, null, null, null).note()).as("the file set no limits").isNull();
        assertThat(run("sim", "--help")).isZero();
        assertThat(out.toString()).contains("With --config, the flag wins");
    }
}
