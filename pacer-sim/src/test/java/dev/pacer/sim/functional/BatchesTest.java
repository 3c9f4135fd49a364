package dev.pacer.sim.functional;

import static dev.pacer.sim.functional.Client.json;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pacer.sim.FaultProfile;
import dev.pacer.sim.SimServer;
import dev.pacer.sim.SimSettings;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Message Batches over real HTTP: the state machine, counts, results, cancel, delete, paging, expiry, limits. */
class BatchesTest {

    private static String batch(int n, String... extra) {
        ObjectNode body = Client.JSON.createObjectNode();
        ArrayNode requests = body.putArray("requests");
        for (int i = 0; i < n; i++) {
            requests.add(Client.JSON.createObjectNode().put("custom_id", "r-" + i)
                    .set("params", Client.message("claude-haiku-4-5", 50, 5 + i, false, 0)));
        }
        for (String json : extra) {
            try {
                requests.add(Client.JSON.readTree(json));
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        }
        return body.toString();
    }

    private static JsonNode awaitEnd(Client c, String id) throws Exception {
        long deadline = System.nanoTime() + 60_000_000_000L;
        JsonNode b;
        do {
            Thread.sleep(50);
            b = json(c.get("/v1/messages/batches/" + id));
            if (!b.path("processing_status").asText().equals("ended")) {
                assertThat(b.path("request_counts").path("succeeded").asLong()).as("counts stay in processing until the end").isZero();
                assertThat(b.path("results_url").isNull()).isTrue();
            }
        } while (!b.path("processing_status").asText().equals("ended") && System.nanoTime() < deadline);
        return b;
    }

    private static List<JsonNode> results(Client c, JsonNode batch) throws Exception {
        String url = batch.path("results_url").asText();
        HttpResponse<String> r = c.get(url.substring(url.indexOf("/v1/")));
        assertThat(r.statusCode()).isEqualTo(200);
        List<JsonNode> lines = new ArrayList<>();
        for (String line : r.body().split("\n")) {
            lines.add(Client.JSON.readTree(line));
        }
        return lines;
    }

    @Test
    void aBatchRunsInProgressThenEndsWithShuffledResultsAndBadParamsErrored() throws Exception {
        try (SimServer sim = SimServer.builder().timeScale(200).configure(s -> s.batches(200, 100_000)).start()) {
            Client c = new Client(sim, "sk-batch");
            HttpResponse<String> created = c.post("/v1/messages/batches", batch(30,
                    "{\"custom_id\":\"bad\",\"params\":{\"model\":\"claude-haiku-4-5\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}}",
                    "{\"custom_id\":\"too-long\",\"params\":{\"model\":\"claude-haiku-4-5\",\"max_tokens\":64001,"
                            + "\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}}",
                    "{\"custom_id\":\"unknown\",\"params\":{\"model\":\"claude-nope\",\"max_tokens\":5,\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}}"));
            assertThat(created.statusCode()).as("params are validated later, not at creation").isEqualTo(200);
            JsonNode b = json(created);
            assertThat(b.path("id").asText()).matches("msgbatch_[1-9A-HJ-NP-Za-km-z]{24}");
            assertThat(b.path("type").asText()).isEqualTo("message_batch");
            assertThat(b.path("processing_status").asText()).isEqualTo("in_progress");
            assertThat(b.path("request_counts").path("processing").asLong()).isEqualTo(33);
            assertThat(java.time.Duration.between(java.time.Instant.parse(b.path("created_at").asText()),
                    java.time.Instant.parse(b.path("expires_at").asText())).toHours()).isEqualTo(24);
            JsonNode ended = awaitEnd(c, b.path("id").asText());
            assertThat(ended.path("processing_status").asText()).isEqualTo("ended");
            assertThat(ended.path("request_counts").path("processing").asLong()).isZero();
            assertThat(ended.path("request_counts").path("succeeded").asLong()).isEqualTo(30);
            assertThat(ended.path("request_counts").path("errored").asLong()).isEqualTo(3);
            assertThat(ended.path("ended_at").isNull()).isFalse();
            List<JsonNode> lines = results(c, ended);
            assertThat(lines).hasSize(33);
            List<String> order = lines.stream().map(l -> l.path("custom_id").asText()).toList();
            assertThat(order).as("results come in no particular order").isNotEqualTo(order.stream().sorted().toList());
            JsonNode ok = lines.stream().filter(l -> l.path("custom_id").asText().equals("r-3")).findFirst().orElseThrow();
            assertThat(ok.path("result").path("type").asText()).isEqualTo("succeeded");
            assertThat(ok.path("result").path("message").path("usage").path("service_tier").asText()).isEqualTo("batch");
            JsonNode bad = lines.stream().filter(l -> l.path("custom_id").asText().equals("bad")).findFirst().orElseThrow();
            assertThat(bad.path("result").path("error").path("type").asText()).isEqualTo("error");
            assertThat(bad.path("result").path("error").path("error").path("message").asText()).isEqualTo("max_tokens: Field required");
            JsonNode tooLong = lines.stream().filter(l -> l.path("custom_id").asText().equals("too-long")).findFirst().orElseThrow();
            assertThat(tooLong.path("result").path("error").path("error").path("message").asText())
                    .isEqualTo("max_tokens: 64001 > 64000, which is the maximum allowed number of output tokens for claude-haiku-4-5");
            JsonNode unknown = lines.stream().filter(l -> l.path("custom_id").asText().equals("unknown")).findFirst().orElseThrow();
            assertThat(unknown.path("result").path("error").path("error").path("type").asText()).isEqualTo("not_found_error");
            assertThat(sim.snapshot().batches().succeeded()).isEqualTo(30);
        }
    }

    @Test
    void aCancelledBatchEndsWithTheRequestsAlreadyDoneAndTheRestCanceled() throws Exception {
        try (SimServer sim = SimServer.builder().timeScale(100).configure(s -> s.batches(1_000, 100_000)).start()) {
            Client c = new Client(sim, "sk-cancel");
            String id = json(c.post("/v1/messages/batches", batch(40))).path("id").asText();
            // About half way through its 1,000 simulated seconds (5 s of wall time at 100x).
            sim.clock().sleep(500);
            HttpResponse<String> del = c.send(c.request("/v1/messages/batches/" + id).DELETE());
            assertThat(del.statusCode()).as("a batch still processing cannot be deleted").isEqualTo(400);
            JsonNode canceling = json(c.post("/v1/messages/batches/" + id + "/cancel", ""));
            assertThat(canceling.path("processing_status").asText()).isIn("canceling", "ended");
            assertThat(canceling.path("cancel_initiated_at").isNull()).isFalse();
            JsonNode ended = awaitEnd(c, id);
            long succeeded = ended.path("request_counts").path("succeeded").asLong();
            long canceled = ended.path("request_counts").path("canceled").asLong();
            assertThat(succeeded + canceled).isEqualTo(40);
            assertThat(succeeded).isBetween(5L, 35L);
            assertThat(canceled).isBetween(5L, 35L);
            assertThat(results(c, ended)).filteredOn(l -> l.path("result").path("type").asText().equals("canceled")).hasSize((int) canceled);
            HttpResponse<String> deleted = c.send(c.request("/v1/messages/batches/" + id).DELETE());
            assertThat(json(deleted).path("type").asText()).isEqualTo("message_batch_deleted");
            assertThat(c.get("/v1/messages/batches/" + id).statusCode()).isEqualTo(404);
        }
    }

    @Test
    void listingPagesNewestFirst() throws Exception {
        try (SimServer sim = SimServer.builder().timeScale(100).start()) {
            Client c = new Client(sim, "sk-list");
            List<String> ids = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                ids.add(json(c.post("/v1/messages/batches", batch(1))).path("id").asText());
            }
            JsonNode page = json(c.get("/v1/messages/batches?limit=2"));
            assertThat(page.path("data")).hasSize(2);
            assertThat(page.path("has_more").asBoolean()).isTrue();
            assertThat(page.path("first_id").asText()).isEqualTo(ids.get(2));
            assertThat(page.path("last_id").asText()).isEqualTo(ids.get(1));
            JsonNode next = json(c.get("/v1/messages/batches?limit=2&after_id=" + page.path("last_id").asText()));
            assertThat(next.path("data")).hasSize(1);
            assertThat(next.path("data").get(0).path("id").asText()).isEqualTo(ids.get(0));
            assertThat(next.path("has_more").asBoolean()).isFalse();
            assertThat(json(new Client(sim, "sk-someone-else").get("/v1/messages/batches")).path("data")).isEmpty();
        }
    }

    @Test
    void requestsStillRunningAtExpiryExpireAndFaultsExpireOrFailSome() throws Exception {
        try (SimServer sim = SimServer.builder().timeScale(1_000)
                .configure(s -> s.batches(new SimSettings.Batches(2_000, 1_000, 5_000, 100_000))).start()) {
            Client c = new Client(sim, "sk-expire");
            JsonNode ended = awaitEnd(c, json(c.post("/v1/messages/batches", batch(40))).path("id").asText());
            long expired = ended.path("request_counts").path("expired").asLong();
            assertThat(expired).as("about half finish after the 1,000 s expiry").isBetween(8L, 32L);
            assertThat(ended.path("request_counts").path("succeeded").asLong()).isEqualTo(40 - expired);
            // After the retention (5,000 simulated seconds) the results are gone; the batch is still there.
            sim.clock().sleep(5_100);
            String id = ended.path("id").asText();
            assertThat(c.get("/v1/messages/batches/" + id + "/results").statusCode()).isEqualTo(404);
            assertThat(c.get("/v1/messages/batches/" + id).statusCode()).isEqualTo(200);

            sim.setFaults(FaultProfile.NONE.withBatchFaults(0.3, 0.3));
            sim.reconfigure(s -> s.batches(new SimSettings.Batches(100, 86_400, 29 * 86_400, 100_000)));
            JsonNode faulty = awaitEnd(c, json(c.post("/v1/messages/batches", batch(60))).path("id").asText());
            assertThat(faulty.path("request_counts").path("expired").asLong()).isPositive();
            assertThat(faulty.path("request_counts").path("errored").asLong()).isPositive();
            assertThat(results(c, faulty)).filteredOn(l -> l.path("result").path("type").asText().equals("errored"))
                    .allMatch(l -> l.path("result").path("error").path("error").path("type").asText().equals("api_error"));
        }
    }

    @Test
    void theQueueLimitTheBatchRpmAndTheShapeOfABatchAreCheckedAtCreation() throws Exception {
        try (SimServer sim = SimServer.builder().configure(s -> s.batches(10_000, 50).batchRpm(5)).start()) {
            Client c = new Client(sim, "sk-queue");
            assertThat(c.post("/v1/messages/batches", batch(40)).statusCode()).isEqualTo(200);
            HttpResponse<String> full = c.post("/v1/messages/batches", batch(20));
            assertThat(full.statusCode()).isEqualTo(429);
            assertThat(json(full).path("error").path("message").asText()).contains("50 batch requests in the processing queue");
            HttpResponse<String> duplicate = c.post("/v1/messages/batches", batch(1, "{\"custom_id\":\"r-0\",\"params\":{}}"));
            assertThat(duplicate.statusCode()).isEqualTo(400);
            assertThat(json(duplicate).path("error").path("message").asText()).contains("custom_id 'r-0' is used more than once");
            HttpResponse<String> badId = c.post("/v1/messages/batches", batch(0, "{\"custom_id\":\"has space\",\"params\":{}}"));
            assertThat(json(badId).path("error").path("message").asText()).contains("custom_id");
            assertThat(c.get("/v1/messages/batches").statusCode()).isEqualTo(200);
            HttpResponse<String> limited = c.get("/v1/messages/batches");
            assertThat(limited.statusCode()).as("five batch calls per minute").isEqualTo(429);
            assertThat(limited.headers().firstValue("anthropic-ratelimit-requests-limit")).contains("5");
            assertThat(c.send(c.request("/v1/messages/batches/msgbatch_nope").GET()).statusCode()).isEqualTo(429);
        }
    }

    @Test
    void withOrganizationScopeEveryKeyFillsTheSameBatchQueue() throws Exception {
        for (dev.pacer.sim.LimitScope scope : dev.pacer.sim.LimitScope.values()) {
            try (SimServer sim = SimServer.builder().configure(s -> s.batches(10_000, 50).limitScope(scope)).start()) {
                assertThat(new Client(sim, "sk-team-a").post("/v1/messages/batches", batch(40)).statusCode()).isEqualTo(200);
                HttpResponse<String> other = new Client(sim, "sk-team-b").post("/v1/messages/batches", batch(20));
                assertThat(other.statusCode()).as(scope.id()).isEqualTo(scope == dev.pacer.sim.LimitScope.ORGANIZATION ? 429 : 200);
            }
        }
    }

    @Test
    void aBatchKeepsTheExpiryItWasCreatedWithWhenTheSettingsChange() throws Exception {
        try (SimServer sim = SimServer.builder().configure(s -> s.batches(new SimSettings.Batches(600, 86_400, 29 * 86_400, 100_000))).start()) {
            Client c = new Client(sim, "sk-expiry");
            JsonNode created = json(c.post("/v1/messages/batches", batch(1)));
            sim.reconfigure(s -> s.batches(new SimSettings.Batches(600, 3_600, 29 * 86_400, 100_000)));
            JsonNode later = json(c.get("/v1/messages/batches/" + created.path("id").asText()));
            assertThat(later.path("expires_at").asText()).isEqualTo(created.path("expires_at").asText());
        }
    }
}
