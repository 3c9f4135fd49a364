package dev.pacer.anthropic.functional;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pacer.Pacer;
import dev.pacer.sim.SimConfigFile;
import dev.pacer.sim.SimServer;
import dev.pacer.sim.SimSettings;
import dev.pacer.sim.SimStats;
import dev.pacer.time.ScaledClock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
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

    /** A workspace allowed 6 requests a minute of its organization's 60: its key is paced at the workspace's limit. */
    @ParameterizedTest
    @EnumSource(BothClients.Kind.class)
    void aWorkspaceNarrowerThanItsOrganizationIsRespected(BothClients.Kind kind) throws Exception {
        try (SimServer sim = start("""
                limits: {rpm: 60, itpm: 1000000, otpm: 1000000}
                organizations:
                  acme:
                    workspaces:
                      research: {keys: [sk-research-1, sk-research-2], limits: {rpm: 6}}
                """)) {
            ScaledClock clock = new ScaledClock(sim.clock().now(), SCALE);
            Pacer pacer = Pacer.builder().clock(clock).scheduler(clock).build();
            try (BothClients.Client client = BothClients.open(kind, sim.baseUrl(), pacer);
                 ExecutorService users = Executors.newVirtualThreadPerTaskExecutor()) {
                assertThat(client.message("sk-research-1", MODEL, 64, 8, Map.of())).isEqualTo(8);
                assertThat(client.message("sk-research-2", MODEL, 64, 8, Map.of())).isEqualTo(8);
                for (CompletableFuture<Long> call : burst(client, users, List.of("sk-research-1", "sk-research-2"), 14)) {
                    assertThat(call.join()).isEqualTo(8);
                }
            }
            SimStats stats = sim.snapshot();
            assertThat(stats.responses(429)).as("429s on the wire").isZero();
            SimStats.PoolStats workspace = stats.workspacePool("acme", "research", "haiku-4-5");
            assertThat(workspace.requests().limitPerMinute()).isEqualTo(6);
            assertThat(workspace.requests().admitted()).isEqualTo(16);
            assertThat(stats.maxWindowOveradmission()).as("neither the workspace's limit nor the organization's was exceeded").isZero();
        }
    }
}
