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
}
