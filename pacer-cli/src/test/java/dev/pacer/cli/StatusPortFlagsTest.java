package dev.pacer.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A bad {@code --status-port} is one sentence and exit code 2, and nothing is written. */
class StatusPortFlagsTest {

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int run(String... args) {
        return PacerCommand.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
    }

    @Test
    void aPortOutOfRangeAnUnknownHostOrAPortInUseIsOneSentence(@TempDir Path dir) throws Exception {
        Path in = dir.resolve("in.jsonl");
        Files.writeString(in, "{\"custom_id\":\"a\",\"params\":{\"model\":\"claude-sonnet-4-5\",\"max_tokens\":8,"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}}\n");
        String results = dir.resolve("out.jsonl").toString();
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            String[][] cases = {
                {"--status-port", "0", "--status-port must be a port between 1 and 65535, not 0."},
                {"--status-port", "70000", "--status-port must be a port between 1 and 65535, not 70000."},
                {"--status-host", "no-such-host.invalid", "--status-host 'no-such-host.invalid' is not a known host"},
                {"--status-port", Integer.toString(taken.getLocalPort()), "--status-port " + taken.getLocalPort() + " cannot be served on 127.0.0.1"},
            };
            for (String[] c : cases) {
                err.getBuffer().setLength(0);
                String[] args = c[0].equals("--status-host")
                        ? new String[] {"batch", "run", in.toString(), "-o", results, "--sim", "--status-port", "1", c[0], c[1]}
                        : new String[] {"batch", "run", in.toString(), "-o", results, "--sim", c[0], c[1]};
                assertThat(run(args)).as(String.join(" ", c)).isEqualTo(2);
                assertThat(err.toString()).as(c[1]).startsWith("pacer: " + c[2]).doesNotContain("Exception").doesNotContain("\tat ");
                assertThat(err.toString().trim().lines().count()).isEqualTo(1);
            }
        }
        assertThat(Files.exists(dir.resolve("out.jsonl"))).as("nothing ran").isFalse();
    }
}
