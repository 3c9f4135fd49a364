package dev.pacer.anthropic.functional;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pacer.Pacer;
import dev.pacer.anthropic.AnthropicPacer;
import dev.pacer.anthropic.AnthropicQuotaKeys;
import dev.pacer.anthropic.ApiKey;
import dev.pacer.anthropic.CallOptions;
import dev.pacer.anthropic.EndpointRequest;
import dev.pacer.anthropic.MessageStream;
import dev.pacer.quota.QuotaKey;
import dev.pacer.sim.SimConfigFile;
import dev.pacer.sim.SimServer;
import dev.pacer.sim.SimSettings;
import dev.pacer.sim.SimStats;
import dev.pacer.time.ScaledClock;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Keys of one organization share one quota at the API (the simulator enforces it per organization,
 * narrowed per workspace). Each client learns the keys' organization and workspace from the
 * answers' headers and paces keys that share them as one pool: after the first answer of each key,
 * no 429 reaches the wire, and the simulator's own statistics show that no limit was exceeded.
 * Both clients of the pipeline, on the simulator's time scale.
 */
class OrganizationQuotaTest {

    private static final double SCALE = 60;
    private static final String MODEL = "claude-haiku-4-5";
    private static final ObjectMapper JSON = new ObjectMapper();

    private static SimServer start(String yaml) throws Exception {
        SimSettings settings = SimConfigFile.parse("sim.yaml", yaml, SimSettings.builder().seed(12).timeScale(SCALE)
                .latency(0.2, 2_000, 0)).build();
        return SimServer.builder().settings(settings).start();
    }

    private static List<CompletableFuture<Long>> burst(BothClients.Client client, ExecutorService users, List<String> keys, int calls) {
        List<CompletableFuture<Long>> out = new ArrayList<>();
        for (int i = 0; i < calls; i++) {
            String key = keys.get(i % keys.size());
            out.add(CompletableFuture.supplyAsync(() -> client.message(key, MODEL, 64, 8, Map.of()), users));
        }
        return out;
    }

    /**
     * 12 requests a minute for the organization, two of its keys sending 36 calls at once after one call each.
     * Paced per key, each key would believe it has the 12 and the first burst alone would draw 429s.
     */
    @ParameterizedTest
    @EnumSource(BothClients.Kind.class)
    void twoKeysOfOneOrganizationArePacedAsOnePool(BothClients.Kind kind) throws Exception {
        try (SimServer sim = start("""
                limits: {rpm: 12, itpm: 1000000, otpm: 1000000}
                organizations:
                  acme: {keys: [sk-acme-1, sk-acme-2]}
                """)) {
            ScaledClock clock = new ScaledClock(sim.clock().now(), SCALE);
            Pacer pacer = Pacer.builder().clock(clock).scheduler(clock).build();
            try (BothClients.Client client = BothClients.open(kind, sim.baseUrl(), pacer);
                 ExecutorService users = Executors.newVirtualThreadPerTaskExecutor()) {
                assertThat(client.message("sk-acme-1", MODEL, 64, 8, Map.of())).isEqualTo(8);
                assertThat(client.message("sk-acme-2", MODEL, 64, 8, Map.of())).isEqualTo(8);
                for (CompletableFuture<Long> call : burst(client, users, List.of("sk-acme-1", "sk-acme-2"), 36)) {
                    assertThat(call.join()).isEqualTo(8);
                }
            }
            SimStats stats = sim.snapshot();
            assertThat(stats.responses(429)).as("429s on the wire").isZero();
            assertThat(stats.organizationPool("acme", "haiku-4-5").requests().admitted()).isEqualTo(38);
            assertThat(stats.maxWindowOveradmission()).isZero();
        }
    }

    /** A workspace allowed 12 requests a minute of its organization's 120: its keys are paced at the workspace's limit. */
    @ParameterizedTest
    @EnumSource(BothClients.Kind.class)
    void aWorkspaceNarrowerThanItsOrganizationIsRespected(BothClients.Kind kind) throws Exception {
        try (SimServer sim = start("""
                limits: {rpm: 120, itpm: 1000000, otpm: 1000000}
                organizations:
                  acme:
                    workspaces:
                      research: {keys: [sk-research-1, sk-research-2], limits: {rpm: 12}}
                """)) {
            ScaledClock clock = new ScaledClock(sim.clock().now(), SCALE);
            Pacer pacer = Pacer.builder().clock(clock).scheduler(clock).build();
            try (BothClients.Client client = BothClients.open(kind, sim.baseUrl(), pacer);
                 ExecutorService users = Executors.newVirtualThreadPerTaskExecutor()) {
                assertThat(client.message("sk-research-1", MODEL, 64, 8, Map.of())).isEqualTo(8);
                assertThat(client.message("sk-research-2", MODEL, 64, 8, Map.of())).isEqualTo(8);
                for (CompletableFuture<Long> call : burst(client, users, List.of("sk-research-1", "sk-research-2"), 30)) {
                    assertThat(call.join()).isEqualTo(8);
                }
            }
            SimStats stats = sim.snapshot();
            assertThat(stats.responses(429)).as("429s on the wire").isZero();
            SimStats.PoolStats workspace = stats.workspacePool("acme", "research", "haiku-4-5");
            assertThat(workspace.requests().limitPerMinute()).isEqualTo(12);
            assertThat(workspace.requests().admitted()).isEqualTo(32);
            assertThat(stats.maxWindowOveradmission()).as("neither the workspace's limit nor the organization's was exceeded").isZero();
        }
    }

    /**
     * The stream path and the endpoint path ({@code AnthropicPacer.send}, as a gateway relays count_tokens and the batch
     * endpoints) learn the identity too: two keys' first streams put them in one pool; a third key of the organization,
     * known only from its count_tokens answers, then draws from that pool for Messages, and the three keys' count_tokens
     * calls are admitted on one pool, which learns the organization's 12 a minute. (How many 429s a single pool draws at
     * such a limit is the engine's calibration, not this test's: one key alone draws 1 or 2 here too.)
     */
    @Test
    void streamsAndTheEndpointPathLearnTheOrganizationToo() throws Exception {
        try (SimServer sim = start("""
                limits: {rpm: 120, itpm: 1000000, otpm: 1000000}
                count-tokens-rpm: 12
                organizations:
                  acme: {keys: [sk-acme-1, sk-acme-2, sk-acme-3]}
                """)) {
            ScaledClock clock = new ScaledClock(sim.clock().now(), SCALE);
            java.util.Set<QuotaKey> countingPools = java.util.concurrent.ConcurrentHashMap.newKeySet();
            Pacer pacer = Pacer.builder().clock(clock).scheduler(clock).listener(e -> {
                if (e instanceof dev.pacer.event.PacerEvent.Admitted a && a.key().id().endsWith(":count_tokens")) {
                    countingPools.add(a.key());
                }
            }).build();
            ApiKey one = ApiKey.of("sk-acme-1");
            ApiKey two = ApiKey.of("sk-acme-2");
            ApiKey three = ApiKey.of("sk-acme-3");
            try (AnthropicPacer claude = AnthropicPacer.builder().baseUrl(sim.baseUrl()).pacer(pacer).build()) {
                QuotaKey ownOfTwo = claude.quotaKey(two, MODEL);
                assertThat(stream(claude, one)).isEqualTo(8);
                assertThat(stream(claude, two)).isEqualTo(8);
                assertThat(claude.quotaKey(two, MODEL)).isEqualTo(claude.quotaKey(one, MODEL));
                assertThat(claude.calls().mergedInto(ownOfTwo)).isEqualTo(claude.quotaKey(one, MODEL));

                assertThat(countTokens(claude, three).join()).isEqualTo(200);
                assertThat(claude.quotaKey(three, MODEL)).as("known from its count_tokens answer").isEqualTo(claude.quotaKey(one, MODEL));
                assertThat(countTokens(claude, one).join()).isEqualTo(200);
                List<CompletableFuture<Integer>> counts = new ArrayList<>();
                for (int i = 0; i < 30; i++) {
                    counts.add(countTokens(claude, List.of(one, two, three).get(i % 3)));
                }
                counts.forEach(c -> assertThat(c.join()).isEqualTo(200));
                assertThat(countingPools).as("every key's count_tokens calls on one pool")
                        .containsExactly(AnthropicQuotaKeys.countTokens(three));
                assertThat(pacer.quotas().view(AnthropicQuotaKeys.countTokens(three)).dimension(dev.pacer.quota.Dimension.REQUESTS).limit())
                        .isEqualTo(dev.pacer.quota.Limit.perMinute(12));
            }
            SimStats stats = sim.snapshot();
            assertThat(stats.organizationPool("acme", "count_tokens").requests().admitted()).isEqualTo(32);
            assertThat(stats.maxWindowOveradmission()).isZero();
        }
    }

    private static long stream(AnthropicPacer claude, ApiKey key) throws Exception {
        ObjectNode p = JSON.createObjectNode().put("model", MODEL).put("max_tokens", 64);
        p.putObject("metadata").put("user_id", "sim:output_tokens=8");
        p.putArray("messages").addObject().put("role", "user").put("content", "hi");
        try (MessageStream s = claude.stream(p, CallOptions.defaults().withApiKey(key)).join()) {
            while (s.next() != null) {
                // read to the end
            }
            return s.usage().output();
        }
    }

    private static CompletableFuture<Integer> countTokens(AnthropicPacer claude, ApiKey key) {
        byte[] body = "{\"model\":\"claude-haiku-4-5\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"
                .getBytes(StandardCharsets.UTF_8);
        return claude.send(EndpointRequest.post("/v1/messages/count_tokens", body), CallOptions.defaults().withApiKey(key))
                .thenApply(r -> {
                    try (r) {
                        return r.status();
                    }
                });
    }
}
