package dev.pacer.anthropic.functional;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pacer.Pacer;
import dev.pacer.anthropic.AnthropicQuotaKeys;
import dev.pacer.anthropic.AnthropicQuotaModel;
import dev.pacer.anthropic.ApiKey;
import dev.pacer.event.PacerEvent;
import dev.pacer.quota.Dimension;
import dev.pacer.quota.QuotaKey;
import dev.pacer.sim.SimServer;
import dev.pacer.sim.Tier;
import dev.pacer.time.ScaledClock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * What the Anthropic pipeline does for every client, proved for both ({@link BothClients}): a queued
 * call is estimated again when it reaches the head of the line, each request's API key draws from its
 * own pools, the caller's {@code anthropic-*} headers reach the wire while hop-by-hop ones do not, and
 * the batch endpoints are paced on their own pool.
 */
class PipelineTest {

    private static final double SCALE = 60;
    private static final String KEY_A = "sk-ant-test-pipeline-a";
    private static final String KEY_B = "sk-ant-test-pipeline-b";

    private static QuotaKey haiku(String key) {
        return AnthropicQuotaKeys.forModelClass(ApiKey.of(key), "haiku-4-5");
    }

    /**
     * Twelve calls queued at once, before anything is learned, each reserving {@code max_tokens} (1,000)
     * of an output limit (learned from the first answer) that holds two such reservations. Each answer has 10 tokens; after five of them
     * the estimator reserves a little more than that, and the calls still waiting are admitted at the new
     * estimate when their turn comes. (The SDK adapter used to keep its first estimate: every call was
     * admitted at 1,000.)
     */
    @ParameterizedTest
    @EnumSource(BothClients.Kind.class)
    void aQueuedCallIsEstimatedAgainWhenItReachesTheHeadOfTheLine(BothClients.Kind kind) throws Exception {
        // An output limit that holds two reservations of max_tokens; the rest is ample.
        try (SimServer sim = SimServer.builder().limits(1_000, 1_000_000, 2_000).timeScale(SCALE).seed(21).start()) {
            ScaledClock clock = new ScaledClock(sim.clock().now(), SCALE);
            List<Long> admittedOutput = new CopyOnWriteArrayList<>();
            Pacer pacer = Pacer.builder().clock(clock).scheduler(clock).listener(e -> {
                if (e instanceof PacerEvent.Admitted a && a.key().equals(haiku(KEY_A))) {
                    admittedOutput.add(a.cost().get(Dimension.OUTPUT_TOKENS));
                }
            }).build();
            // Everyone queues before the first call goes: the key's combined tokens (which every call costs) are paused for
            // 30 simulated seconds.
            pacer.quotas().pause(haiku(KEY_A), AnthropicQuotaModel.TOKENS, clock.instant().plusSeconds(30));
            try (BothClients.Client client = BothClients.open(kind, sim.baseUrl(), pacer);
                 ExecutorService users = Executors.newVirtualThreadPerTaskExecutor()) {
                List<CompletableFuture<Long>> calls = new ArrayList<>();
                for (int i = 0; i < 12; i++) {
                    calls.add(CompletableFuture.supplyAsync(() -> client.message(KEY_A, "claude-haiku-4-5", 1_000, 10, Map.of()), users));
                }
                for (CompletableFuture<Long> call : calls) {
                    assertThat(call.join()).isEqualTo(10);
                }
            }
            assertThat(admittedOutput).hasSize(12);
            assertThat(admittedOutput.get(0)).as("nothing learned yet: max_tokens").isEqualTo(1_000);
            assertThat(admittedOutput.get(11)).as("the last call, admitted after what the first ones taught").isLessThan(100);
        }
    }

    @ParameterizedTest
    @EnumSource(BothClients.Kind.class)
    void eachRequestsApiKeyDrawsFromItsOwnPools(BothClients.Kind kind) throws Exception {
        try (SimServer sim = SimServer.builder().tier(Tier.TIER_2).timeScale(SCALE).seed(22).start()) {
            ScaledClock clock = new ScaledClock(sim.clock().now(), SCALE);
            List<QuotaKey> admitted = new CopyOnWriteArrayList<>();
            Pacer pacer = Pacer.builder().clock(clock).scheduler(clock).listener(e -> {
                if (e instanceof PacerEvent.Admitted a) {
                    admitted.add(a.key());
                }
            }).build();
            try (BothClients.Client client = BothClients.open(kind, sim.baseUrl(), pacer)) {
                for (int i = 0; i < 3; i++) {
                    client.message(KEY_A, "claude-haiku-4-5", 100, 5, Map.of());
                    client.message(KEY_B, "claude-haiku-4-5", 100, 5, Map.of());
                }
            }
            assertThat(admitted).containsOnly(haiku(KEY_A), haiku(KEY_B)).hasSize(6);
            // The simulator saw each key's requests on that key; each pool learned its limits from its own answers.
            assertThat(sim.snapshot().pool(KEY_A, "haiku-4-5").requests().admitted()).isEqualTo(3);
            assertThat(sim.snapshot().pool(KEY_B, "haiku-4-5").requests().admitted()).isEqualTo(3);
            assertThat(pacer.quotas().view(haiku(KEY_A)).dimension(Dimension.REQUESTS).limit()).isNotNull();
            assertThat(pacer.quotas().view(haiku(KEY_B)).dimension(Dimension.REQUESTS).limit()).isNotNull();
        }
    }

    @ParameterizedTest
    @EnumSource(BothClients.Kind.class)
    void theCallersAnthropicHeadersReachTheWireAndHopByHopOnesDoNot(BothClients.Kind kind) throws Exception {
        try (ScriptedServer server = ScriptedServer.start();
             BothClients.Client client = BothClients.open(kind, server.baseUrl(), Pacer.builder().build())) {
            client.message(KEY_A, "claude-haiku-4-5", 100, 5, Map.of("anthropic-beta", "context-1m-2025-08-07",
                    "anthropic-workspace-id", "wrkspc_01JwQvzr7rXLA5AGx3HKfFUJ", "keep-alive", "timeout=5",
                    "proxy-authorization", "Basic c2VjcmV0"));
            assertThat(server.received()).singleElement().satisfies(r -> {
                assertThat(r.headers()).containsEntry("anthropic-beta", "context-1m-2025-08-07")
                        .containsEntry("anthropic-workspace-id", "wrkspc_01JwQvzr7rXLA5AGx3HKfFUJ")
                        .containsKey("anthropic-version")
                        .doesNotContainKeys("keep-alive", "proxy-authorization");
                // The call's key: Pacer's client sends it as x-api-key, the SDK (3.x) as a bearer token.
                assertThat(r.headers().getOrDefault("x-api-key", r.headers().get("authorization"))).endsWith(KEY_A);
            });
        }
    }

    /**
     * Eight pollers (a batch job's workers), 15 calls each, against the batch endpoints' 50 requests a
     * minute: with the SDK's retries off and nothing in the way most would be 429s. They are paced on
     * the batches pool, whose limit is learned from its headers, and retried by the engine.
     */
    @ParameterizedTest
    @EnumSource(BothClients.Kind.class)
    void theBatchEndpointsArePacedOnTheirOwnPoolAndRetried(BothClients.Kind kind) throws Exception {
        try (SimServer sim = SimServer.builder().tier(Tier.TIER_1).timeScale(SCALE).seed(2).start()) {
            ScaledClock clock = new ScaledClock(sim.clock().now(), SCALE);
            Pacer pacer = Pacer.builder().clock(clock).scheduler(clock).build();
            try (BothClients.Client client = BothClients.open(kind, sim.baseUrl(), pacer);
                 ExecutorService users = Executors.newVirtualThreadPerTaskExecutor()) {
                List<CompletableFuture<Integer>> pollers = new ArrayList<>();
                for (int w = 0; w < 8; w++) {
                    pollers.add(CompletableFuture.supplyAsync(() -> {
                        int ok = 0;
                        for (int i = 0; i < 15; i++) {
                            ok += client.listBatches(KEY_A) == 200 ? 1 : 0;
                        }
                        return ok;
                    }, users));
                }
                for (CompletableFuture<Integer> poller : pollers) {
                    assertThat(poller.join()).isEqualTo(15);
                }
            }
            assertThat(sim.stats().path("responses").path("200").asLong()).isEqualTo(120);
            assertThat(sim.stats().path("responses").path("429").asLong()).as("429s on the wire").isLessThanOrEqualTo(3);
            assertThat(pacer.quotas().view(AnthropicQuotaKeys.batches(ApiKey.of(KEY_A))).dimension(Dimension.REQUESTS).limit()
                    .perMinuteRate()).isEqualTo(50.0);
        }
    }
}
