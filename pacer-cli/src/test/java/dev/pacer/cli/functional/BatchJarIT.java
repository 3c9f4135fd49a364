package dev.pacer.cli.functional;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pacer.sim.FaultProfile;
import dev.pacer.sim.SimServer;
import dev.pacer.sim.Tier;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The batch runner end to end: the real jar in its own process, against a simulator in this one
 * (so that killing the runner does not kill the API).
 */
class BatchJarIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path JAR = Path.of("target", "pacer.jar");

    @TempDir
    Path dir;
    private SimServer sim;

    @AfterEach
    void stop() {
        if (sim != null) {
            sim.close();
        }
    }

    private Path input(int n, int outputTokens) throws IOException {
        List<String> lines = new ArrayList<>();
        for (int i = 1; i <= n; i++) {
            String model = i % 4 == 0 ? "claude-haiku-4-5" : "claude-sonnet-4-5";
            lines.add("{\"custom_id\":\"q-" + i + "\",\"params\":{\"model\":\"" + model + "\",\"max_tokens\":400,"
                    + "\"metadata\":{\"user_id\":\"sim:output_tokens=" + outputTokens + "\"},"
                    + "\"messages\":[{\"role\":\"user\",\"content\":\"Question number " + i + ": explain token buckets briefly.\"}]}}");
        }
        Path p = dir.resolve("requests.jsonl");
        Files.write(p, lines);
        return p;
    }

    private Process start(Path input, Path output, String... extra) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-jar", JAR.toString(), "batch", "run", input.toString(), "-o", output.toString(), "--base-url", sim.baseUrl(),
                "--progress", "log"));
        cmd.addAll(List.of(extra));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(dir.resolve("run.log").toFile());
        pb.environment().put("ANTHROPIC_API_KEY", "sk-ant-it-key");
        return pb.start();
    }

    private int run(Path input, Path output, String... extra) throws Exception {
        Process p = start(input, output, extra);
        assertThat(p.waitFor(300, TimeUnit.SECONDS)).as("the run ends").isTrue();
        return p.exitValue();
    }

    /** Waits (up to a minute) until {@code results} holds more than {@code lines} complete lines, or the run ended. */
    private static void awaitMoreLinesThan(Path results, int lines, Process run) throws Exception {
        long until = System.nanoTime() + TimeUnit.MINUTES.toNanos(1);
        while (System.nanoTime() < until && run.isAlive()) {
            if (Files.exists(results)) {
                byte[] bytes = Files.readAllBytes(results);
                int complete = 0;
                for (byte b : bytes) {
                    complete += b == '\n' ? 1 : 0;
                }
                if (complete > lines) {
                    return;
                }
            }
            Thread.sleep(20);
        }
    }

    private static Map<String, Integer> idsIn(Path results) throws IOException {
        Map<String, Integer> counts = new HashMap<>();
        if (!Files.exists(results)) {
            return counts; // killed before the run opened it: nothing written, nothing twice
        }
        for (String line : Files.readAllLines(results)) {
            if (!line.isBlank()) {
                JsonNode node = JSON.readTree(line); // every line must be valid JSON
                counts.merge(node.path("custom_id").asText(), 1, Integer::sum);
            }
        }
        return counts;
    }

    @Test
    void aRunCompletesWithEveryIdOnceAndSucceededResultLines() throws Exception {
        sim = SimServer.builder().tier(Tier.TIER_1).timeScale(60).seed(1).start();
        Path in = input(60, 50);
        Path out = dir.resolve("results.jsonl");
        assertThat(run(in, out)).isZero();
        Map<String, Integer> ids = idsIn(out);
        assertThat(ids).hasSize(60).allSatisfy((id, n) -> assertThat(n).isEqualTo(1));
        JsonNode first = JSON.readTree(Files.readAllLines(out).get(0));
        assertThat(first.path("result").path("type").asText()).isEqualTo("succeeded");
        assertThat(first.path("result").path("message").path("usage").path("output_tokens").asInt()).isEqualTo(50);
        assertThat(first.path("pacer").path("attempts").asInt()).isGreaterThanOrEqualTo(1);
        assertThat(sim.maxWindowOveradmission()).isZero();
        // Running again finds everything done and sends nothing.
        long before = sim.stats().path("requests").asLong();
        assertThat(run(in, out)).isZero();
        assertThat(sim.stats().path("requests").asLong()).isEqualTo(before);
    }

    @Test
    void killedWithSigkillThreeTimesThenResumedEveryIdIsThereExactlyOnce() throws Exception {
        sim = SimServer.builder().tier(Tier.TIER_1).timeScale(10).seed(2).start();
        Path in = input(150, 60); // about 2.5 simulated minutes of Tier 1 requests: ~15 s real
        Path out = dir.resolve("results.jsonl");
        long seed = System.nanoTime();
        Random random = new Random(seed);
        int before = 0;
        for (int kill = 0; kill < 3; kill++) {
            Process p = start(in, out);
            // Kill while results come in: once this run has written one, at a random moment within the next second
            // (a fixed sleep after the start landed before the first result when a loaded machine slowed the JVM's start).
            awaitMoreLinesThan(out, before, p);
            Thread.sleep(random.nextInt(1_000));
            p.destroyForcibly(); // SIGKILL: no shutdown hook, no flush
            p.waitFor(30, TimeUnit.SECONDS);
            Map<String, Integer> ids = idsIn(out);
            assertThat(ids).as("seed " + seed).allSatisfy((id, n) -> assertThat(n).as(id).isEqualTo(1));
            assertThat(ids.size()).as("seed %d: kill %d landed while results were being written", seed, kill).isGreaterThan(before);
            before = ids.size();
        }
        int partial = idsIn(out).size();
        assertThat(partial).as("seed " + seed).isLessThan(150);
        assertThat(run(in, out)).isZero();
        Map<String, Integer> ids = idsIn(out);
        assertThat(ids).hasSize(150).allSatisfy((id, n) -> assertThat(n).as(id).isEqualTo(1));
        assertThat(Files.readString(dir.resolve("run.log"))).contains("Resuming:");
    }

    @Test
    void retryErroredKilledWithSigkillThreeTimesReplacesEveryRetryableErrorAndKeepsEveryIdExactlyOnce() throws Exception {
        // Every call gets a 529 with a retry-after longer than the engine waits: each request ends errored at once.
        // At 5x the retry of 150 requests takes about 15 s at Tier 1, so the three kills land before it is over.
        sim = SimServer.builder().tier(Tier.TIER_1).timeScale(5).seed(13)
                .faults(FaultProfile.NONE.withOverloaded(1.0).withRetryAfter(600)).start();
        Path in = input(150, 60);
        List<String> requests = new ArrayList<>(Files.readAllLines(in));
        // A request error (temperature out of range): the API refuses it every time, so it is never retried.
        requests.add("{\"custom_id\":\"bad-temperature\",\"params\":{\"model\":\"claude-sonnet-4-5\",\"max_tokens\":10,"
                + "\"temperature\":7,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}}");
        Files.write(in, requests);
        Path out = dir.resolve("results.jsonl");
        assertThat(run(in, out)).as("finished with errored results").isEqualTo(1);
        assertThat(Files.readString(dir.resolve("run.log")))
                .contains("150 errored results were overloaded, failed, rate limited or timed out at the API; rerun with --retry-errored");
        assertThat(Files.readAllLines(out)).hasSize(151).filteredOn(l -> l.contains("\"overloaded_error\"")).hasSize(150);
        String refused = Files.readAllLines(out).stream().filter(l -> l.contains("bad-temperature")).findFirst().orElseThrow();
        assertThat(refused).contains("invalid_request_error");

        sim.setFaults(FaultProfile.NONE); // the storm is over
        long seed = System.nanoTime();
        Random random = new Random(seed);
        long succeeded = 0;
        for (int kill = 0; kill < 3; kill++) {
            Process p = start(in, out, "--retry-errored");
            Thread.sleep(1_500 + random.nextInt(2_500)); // while results come in, or while the file is being rewritten
            p.destroyForcibly(); // SIGKILL: no shutdown hook, no flush
            p.waitFor(30, TimeUnit.SECONDS);
            Map<String, Integer> ids = idsIn(out);
            assertThat(ids).as("seed %d, kill %d: every id still there, once", seed, kill).hasSize(151)
                    .allSatisfy((id, n) -> assertThat(n).as(id).isEqualTo(1));
            long now = Files.readAllLines(out).stream().filter(l -> l.contains("\"type\":\"succeeded\"")).count();
            assertThat(now).as("seed %d: replacements are never undone", seed).isGreaterThanOrEqualTo(succeeded);
            succeeded = now;
        }
        assertThat(succeeded).as("seed %d: killed before the retry was over", seed).isLessThan(150);
        assertThat(run(in, out, "--retry-errored")).as("only the request error is left").isEqualTo(1);
        Map<String, Integer> ids = idsIn(out);
        assertThat(ids).hasSize(151).allSatisfy((id, n) -> assertThat(n).as(id).isEqualTo(1));
        assertThat(Files.readAllLines(out).stream().filter(l -> l.contains("\"type\":\"succeeded\"")).count()).isEqualTo(150);
        assertThat(Files.readAllLines(out)).as("the request error is left as it was").contains(refused);
        assertThat(dir.resolve("results.jsonl.rewrite.tmp")).doesNotExist();
        assertThat(Files.readString(dir.resolve("run.log"))).contains("--retry-errored: ").doesNotContain("Exception");
        assertThat(sim.maxWindowOveradmission()).isZero();
    }

    @Test
    void concurrencyThreeNeverHasMoreThanThreeInFlightAndAutoGrowsOnSuccessAndShrinksOnOverload() throws Exception {
        // Tier 4 leaves the quota out of the way: only the concurrency limit holds calls back. Each answer takes ~0.3 s.
        Path in = input(60, 5);
        sim = SimServer.builder().tier(Tier.TIER_4).timeScale(1).seed(14).configure(s -> s.latency(0.3, 1e6, 0)).start();
        assertThat(run(in, dir.resolve("fixed.jsonl"), "--concurrency", "3")).isZero();
        // Sonnet and Haiku requests: the engine's limit is per model pool, the flag's is for the run.
        assertThat(sim.snapshot().maxInFlight()).as("--concurrency 3 on the wire").isEqualTo(3);
        assertThat(idsIn(dir.resolve("fixed.jsonl"))).hasSize(60);

        // auto starts at 16 and grows by one per success while at least half of it is used.
        Path many = input(300, 5);
        sim.reset();
        assertThat(run(many, dir.resolve("auto.jsonl"))).isZero();
        int grown = sim.snapshot().maxInFlight();
        assertThat(grown).as("auto grew past its start of 16").isGreaterThan(24);

        // With one call in five overloaded it is cut by 10% at each 529 (below the breaker's 50%): it settles far lower.
        sim.reset();
        sim.setFaults(FaultProfile.NONE.withOverloaded(0.2));
        run(many, dir.resolve("overloaded.jsonl"));
        int cut = sim.snapshot().maxInFlight();
        // (Measured: 112 without, 40 with; AIMD settles where +0.8 a call meets -10% on 0.2 of them, about 40.)
        assertThat(cut).as("auto under overload (%d) against auto without (%d)", cut, grown).isLessThan(grown * 2 / 3);
    }

    private String plan(Path in, String... extra) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar",
                JAR.toString(), "batch", "plan", in.toString()));
        cmd.addAll(List.of(extra));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String text = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        return p.exitValue() + "\n" + text;
    }

    @Test
    void viaBatchesALineTheBatchesApiRefusesIsAnInvalidLineAndAnUnknownModelIsWarnedAboutOnce() throws Exception {
        sim = SimServer.builder().tier(Tier.TIER_1).timeScale(60).seed(15).start();
        Path in = dir.resolve("requests.jsonl");
        String line = "{\"custom_id\":\"%s\",\"params\":{\"model\":\"%s\",\"max_tokens\":8,%s\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}}";
        Files.write(in, List.of(line.formatted("a", "claude-sonnet-4-5", ""), line.formatted("b", "claude-sonnet-4-5", "\"speed\":\"fast\","),
                line.formatted("c", "claude-sonet-4-5", ""), line.formatted("d", "claude-sonet-4-5", "")));
        assertThat(plan(in, "--via", "messages")).startsWith("0\n").doesNotContain("invalid line")
                .containsOnlyOnce("Warning: model 'claude-sonet-4-5' (2 requests, first on line 3) is not a model id Pacer knows");
        assertThat(plan(in, "--via", "batches")).startsWith("2\n").contains("has 1 invalid line (nothing was sent):")
                .contains("line 2: params.speed is not accepted by the Batches API (fast mode cannot be batched)");
        Path out = dir.resolve("results.jsonl");
        assertThat(run(in, out, "--via", "batches")).isEqualTo(2);
        assertThat(Files.readString(dir.resolve("run.log"))).contains("line 2: params.speed is not accepted by the Batches API")
                .doesNotContain("Exception");
        assertThat(sim.stats().path("requests").asLong()).as("nothing was sent").isZero();
        // Live, the same file runs; the unknown model is said once, before anything goes out, and the API answers it 404.
        assertThat(run(in, out)).isEqualTo(1);
        assertThat(Files.readString(dir.resolve("run.log"))).containsOnlyOnce("Warning: model 'claude-sonet-4-5'");
    }

    private static long lines(Path results) throws IOException {
        return Files.exists(results) ? Files.readAllLines(results).stream().filter(l -> !l.isBlank()).count() : 0;
    }

    private static boolean eventually(Duration timeout, java.util.concurrent.Callable<Boolean> condition) throws Exception {
        long end = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < end) {
            if (condition.call()) {
                return true;
            }
            Thread.sleep(50);
        }
        return condition.call();
    }

    @Test
    void sigtermStopsAdmittingPrintsTheResumeCommandAndExits3ThenTheResumeFinishes() throws Exception {
        sim = SimServer.builder().tier(Tier.TIER_1).timeScale(10).seed(11).start();
        Path in = input(150, 60); // the whole job is queued in the engine at once: the stop must reach queued calls
        Path out = dir.resolve("results.jsonl");
        Process p = start(in, out);
        assertThat(eventually(Duration.ofSeconds(60), () -> lines(out) >= 20)).isTrue();
        p.destroy(); // SIGTERM
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).isEqualTo(3);
        long sent = sim.stats().path("requests").asLong();
        String log = Files.readString(dir.resolve("run.log"));
        assertThat(log).contains("Stopping: no new requests").contains("Stopped (interrupted)")
                .contains("To resume: pacer batch run " + in + " -o " + out).doesNotContain("Exception");
        Map<String, Integer> ids = idsIn(out);
        assertThat(ids.size()).isLessThan(150);
        assertThat(ids).allSatisfy((id, n) -> assertThat(n).as(id).isEqualTo(1));
        Thread.sleep(1_000);
        assertThat(sim.stats().path("requests").asLong()).as("requests sent after the process ended").isEqualTo(sent);
        assertThat(run(in, out)).isZero();
        assertThat(idsIn(out)).hasSize(150).allSatisfy((id, n) -> assertThat(n).as(id).isEqualTo(1));
    }

    @Test
    void anInvalidFileIsRefusedWithLineNumbersAndNothingIsSent() throws Exception {
        sim = SimServer.builder().timeScale(60).start();
        Path in = dir.resolve("bad.jsonl");
        Files.writeString(in, String.join("\n",
                "{\"custom_id\":\"a\",\"params\":{\"model\":\"claude-sonnet-4-5\",\"max_tokens\":10,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}}",
                "{not json",
                "{\"custom_id\":\"has space\",\"params\":{}}",
                "{\"custom_id\":\"a\",\"params\":{\"model\":\"claude-sonnet-4-5\",\"max_tokens\":10,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}}",
                "{\"custom_id\":\"b\",\"params\":{\"model\":\"claude-sonnet-4-5\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}}") + "\n");
        Path out = dir.resolve("results.jsonl");
        assertThat(run(in, out)).isEqualTo(2);
        String log = Files.readString(dir.resolve("run.log"));
        assertThat(log).contains("4 invalid lines").contains("line 2: not valid JSON")
                .contains("line 3: custom_id 'has space' is invalid")
                .contains("line 4: custom_id 'a' is used again (first on line 1)")
                .contains("line 5: params.max_tokens must be a whole number").doesNotContain("Exception");
        assertThat(sim.stats().path("requests").asLong()).isZero();
        // With --skip-invalid the valid line runs and the invalid ones with an id become errored results.
        assertThat(run(in, out, "--skip-invalid")).isEqualTo(1);
        Map<String, Integer> ids = idsIn(out);
        assertThat(ids).containsOnlyKeys("a", "has space", "b").allSatisfy((id, n) -> assertThat(n).isEqualTo(1));
        // Line 1 ran: its duplicate on line 4 does not take its result.
        String a = Files.readAllLines(out).stream().filter(l -> l.contains("\"custom_id\":\"a\"")).findFirst().orElseThrow();
        assertThat(JSON.readTree(a).path("result").path("type").asText()).isEqualTo("succeeded");
        assertThat(Files.readString(dir.resolve("run.log")))
                .contains("--skip-invalid: 2 invalid lines get no result line (no usable custom_id, or one another line uses): lines 2, 4.");
    }

    @Test
    void viaBatchesKilledThreeTimesAtRandomPointsMergesEveryIdOnceResubmitsExpiredAndErroredAndNeverDuplicatesABatch() throws Exception {
        sim = SimServer.builder().tier(Tier.TIER_1).timeScale(200).seed(3)
                .configure(s -> s.batches(120, 100_000).faults(FaultProfile.NONE.withBatchFaults(0.2, 0.1))).start();
        Path in = input(40, 30);
        Path out = dir.resolve("results.jsonl");
        long seed = System.nanoTime();
        Random random = new Random(seed);
        for (int kill = 0; kill < 3; kill++) {
            Process p = start(in, out, "--via", "batches");
            Thread.sleep(300 + random.nextInt(2_200)); // before the create, while polling, while merging, or resubmitting
            p.destroyForcibly();
            p.waitFor(30, TimeUnit.SECONDS);
            assertThat(idsIn(out)).as("seed " + seed).allSatisfy((id, n) -> assertThat(n).as(id).isEqualTo(1));
        }
        int exit = run(in, out, "--via", "batches");
        Map<String, Integer> ids = idsIn(out);
        assertThat(ids).as("seed " + seed).hasSize(40).allSatisfy((id, n) -> assertThat(n).isEqualTo(1));
        long succeeded = Files.readAllLines(out).stream().filter(l -> l.contains("\"type\":\"succeeded\"")).count();
        // 30% of items fail per round; after two resubmissions almost all succeed.
        assertThat(succeeded).as("seed " + seed).isGreaterThanOrEqualTo(36);
        assertThat(exit).isIn(0, 1);
        JsonNode sidecar = JSON.readTree(dir.resolve("results.jsonl.pacer.json").toFile());
        List<String> batchIds = new ArrayList<>();
        Map<String, Integer> submissions = new HashMap<>();
        sidecar.path("batches").forEach(b -> {
            batchIds.add(b.path("id").asText());
            b.path("custom_ids").forEach(id -> submissions.merge(id.asText(), 1, Integer::sum));
        });
        assertThat(submissions.values()).as("some requests were resubmitted in a new batch").anyMatch(n -> n > 1);
        // No duplicate batch: the API holds exactly the batches the run recorded, and created no other.
        HttpResponse<String> list = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(sim.baseUrl() + "/v1/messages/batches?limit=100"))
                .header("x-api-key", "sk-ant-it-key").header("anthropic-version", "2023-06-01").GET().build(), HttpResponse.BodyHandlers.ofString());
        List<String> atApi = new ArrayList<>();
        JSON.readTree(list.body()).path("data").forEach(b -> atApi.add(b.path("id").asText()));
        assertThat(atApi).as("seed " + seed).containsExactlyInAnyOrderElementsOf(batchIds);
        assertThat(sim.stats().path("batches").path("created").asLong()).isEqualTo(batchIds.size());
        // Each request went to the API once per submission the run recorded, never more.
        assertThat(sim.stats().path("batches").path("requests").asLong()).isEqualTo(submissions.values().stream().mapToLong(n -> n).sum());
        assertThat(Files.readString(out)).contains("\"via\":\"batches\"");
        // Polling stayed within the batch endpoints' own rate limit (Tier 1: 50 a minute).
        assertThat(sim.stats().path("responses").path("429").asLong()).as("429s from the Batches endpoints").isZero();
    }

    @Test
    void pacerYamlSetsTheRunAndThePlanAndFlagsWinOverIt() throws Exception {
        sim = SimServer.builder().tier(Tier.TIER_1).timeScale(60).seed(12).start();
        Path in = input(40, 50);
        Path config = dir.resolve("pacer.yaml");
        Files.writeString(config, String.join("\n", "max-cost: 0.01", "concurrency: 4", "classes:",
                "  sonnet-4: {rpm: 20, itpm: 30000, otpm: 8000}", "prices:", "  sonnet-4: {input: 3, output: 15}", ""));
        Path out = dir.resolve("results.jsonl");
        assertThat(run(in, out, "--config", config.toString())).as("stopped by the file's cost cap").isEqualTo(3);
        assertThat(Files.readString(dir.resolve("run.log"))).contains("cost cap of $0.01").contains("Stopped (cost cap)");
        assertThat(run(in, out, "--config", config.toString(), "--max-cost", "100")).as("the flag wins").isZero();
        assertThat(idsIn(out)).hasSize(40).allSatisfy((id, n) -> assertThat(n).isEqualTo(1));
        Process plan = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar", JAR.toString(),
                "batch", "plan", in.toString(), "--config", config.toString()).redirectErrorStream(true).start();
        String planText = new String(plan.getInputStream().readAllBytes());
        assertThat(plan.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(planText).contains("sonnet-4:  30 requests under pacer.yaml (20 RPM, 30,000 ITPM, 8,000 OTPM)")
                .contains("haiku-4-5: 10 requests under tier-1 (50 RPM, 50,000 ITPM, 10,000 OTPM)");
    }

    @Test
    void thePlanPredictsWhatTheRunSpends() throws Exception {
        sim = SimServer.builder().tier(Tier.TIER_1).timeScale(60).seed(4).start();
        Path in = input(40, 160); // 40% of max_tokens 400: the plan's typical figure
        ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar",
                JAR.toString(), "batch", "plan", in.toString()).redirectErrorStream(true);
        Process plan = pb.start();
        String planText = new String(plan.getInputStream().readAllBytes());
        assertThat(plan.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(plan.exitValue()).isZero();
        long plannedInput = Long.parseLong(planText.replaceAll("(?s).*Input tokens \\(estimated locally\\):\\s+([0-9,]+).*", "$1").replace(",", ""));
        double plannedCost = Double.parseDouble(planText.replaceAll("(?s).*Cost, live \\(--via messages\\):\\s+~\\$([0-9.]+) typical.*", "$1"));
        Path out = dir.resolve("results.jsonl");
        assertThat(run(in, out)).isZero();
        long actualInput = 0;
        long actualOutput = 0;
        for (String line : Files.readAllLines(out)) {
            JsonNode usage = JSON.readTree(line).path("result").path("message").path("usage");
            actualInput += usage.path("input_tokens").asLong();
            actualOutput += usage.path("output_tokens").asLong();
        }
        String log = Files.readString(dir.resolve("run.log"));
        double actualCost = Double.parseDouble(log.replaceAll("(?s).*cost ~\\$([0-9.]+);.*", "$1"));
        // Stated tolerance: input tokens within 35% (no local tokenizer exists), cost within 35%.
        assertThat((double) plannedInput).isBetween(actualInput * 0.65, actualInput * 1.35);
        assertThat(plannedCost).isBetween(actualCost * 0.65, actualCost * 1.35);
        assertThat(actualOutput).isEqualTo(40L * 160);
    }
}
