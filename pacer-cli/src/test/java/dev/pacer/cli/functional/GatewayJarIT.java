package dev.pacer.cli.functional;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code pacer gateway} as a user runs it, the real jar in its own process: {@code --sim} prints its
 * URL and export line and relays without a key; a bad config exits 2 with one sentence; SIGHUP
 * reloads a good config and refuses a bad one, keeping the old; SIGTERM stops it.
 */
class GatewayJarIT {

    private static final Path JAR = Path.of("target", "pacer.jar");
    private static final String MESSAGE = "{\"model\":\"claude-haiku-4-5\",\"max_tokens\":16,\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}";

    @TempDir
    Path dir;

    private Process start(String... args) throws Exception {
        List<String> cmd = new java.util.ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar",
                JAR.toString(), "gateway"));
        cmd.addAll(List.of(args));
        return new ProcessBuilder(cmd).redirectErrorStream(true).start();
    }

    /** Lines of the process's output, as they come. */
    private static BlockingQueue<String> lines(Process p) {
        BlockingQueue<String> q = new LinkedBlockingQueue<>();
        Thread.ofVirtual().start(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                for (String l; (l = r.readLine()) != null; ) {
                    q.add(l);
                }
            } catch (java.io.IOException ignored) {
                // the process ended
            }
        });
        return q;
    }

    private static String await(BlockingQueue<String> q, String containing) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        StringBuilder seen = new StringBuilder();
        while (System.nanoTime() < deadline) {
            String l = q.poll(1, TimeUnit.SECONDS);
            if (l != null) {
                seen.append(l).append('\n');
                if (l.contains(containing)) {
                    return l;
                }
            }
        }
        throw new AssertionError("no line containing '" + containing + "' in:\n" + seen);
    }

    @Test
    void simModeRelaysWithoutAKeyAndPrintsTheExportLine() throws Exception {
        Process p = start("--sim", "--port", "0");
        try {
            BlockingQueue<String> out = lines(p);
            assertThat(await(out, "simulator:")).contains("Tier 1");
            String export = await(out, "export ANTHROPIC_BASE_URL=");
            String url = export.substring(export.indexOf('=') + 1).trim();
            try (HttpClient http = HttpClient.newHttpClient()) {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url + "/v1/messages"))
                        .POST(HttpRequest.BodyPublishers.ofString(MESSAGE)).build(), HttpResponse.BodyHandlers.ofString());
                assertThat(r.statusCode()).isEqualTo(200);
                assertThat(r.headers().firstValue("x-pacer-attempts")).hasValue("1");
            }
            p.destroy(); // SIGTERM: graceful
            assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        } finally {
            p.destroyForcibly();
        }
    }

    @Test
    void aBadConfigExits2WithOneSentence() throws Exception {
        Path config = Files.writeString(dir.resolve("pacer.yaml"), "timeouts:\n  idle: soon\n");
        Process p = start("--config", config.toString(), "--port", "0");
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.exitValue()).isEqualTo(2);
        assertThat(out.trim()).isEqualTo("pacer: pacer.yaml line 2: timeouts.idle must be a duration such as 500ms, 10s, 2m or 1h, not 'soon'.");
    }

    @Test
    void sighupReloadsAGoodConfigAndKeepsTheOldOneOnABadOne() throws Exception {
        Path config = Files.writeString(dir.resolve("pacer.yaml"), "timeouts: {default-deadline: 30s}\n");
        Process p = start("--sim", "--config", config.toString(), "--port", "0");
        try {
            BlockingQueue<String> out = lines(p);
            String export = await(out, "export ANTHROPIC_BASE_URL=");
            String url = export.substring(export.indexOf('=') + 1).trim();
            Files.writeString(config, "body-limit: 2KiB\n");
            hangUp(p);
            await(out, "pacer gateway: reloaded");
            try (HttpClient http = HttpClient.newHttpClient()) {
                String big = MESSAGE.replace("Hi", "x".repeat(4096));
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url + "/v1/messages"))
                        .POST(HttpRequest.BodyPublishers.ofString(big)).build(), HttpResponse.BodyHandlers.ofString());
                assertThat(r.statusCode()).as("the new body limit is in force").isEqualTo(413);
                Files.writeString(config, "body-limit: lots\n");
                hangUp(p);
                assertThat(await(out, "reload refused")).contains("the old config stays").contains("body-limit must be a size");
                HttpResponse<String> again = http.send(HttpRequest.newBuilder(URI.create(url + "/v1/messages"))
                        .POST(HttpRequest.BodyPublishers.ofString(big)).build(), HttpResponse.BodyHandlers.ofString());
                assertThat(again.statusCode()).as("still the last good config").isEqualTo(413);
                HttpResponse<String> small = http.send(HttpRequest.newBuilder(URI.create(url + "/v1/messages"))
                        .POST(HttpRequest.BodyPublishers.ofString(MESSAGE)).build(), HttpResponse.BodyHandlers.ofString());
                assertThat(small.statusCode()).isEqualTo(200);
            }
        } finally {
            p.destroyForcibly();
        }
    }

    private static void hangUp(Process p) throws Exception {
        assertThat(new ProcessBuilder("kill", "-HUP", Long.toString(p.pid())).start().waitFor()).isZero();
    }
}
