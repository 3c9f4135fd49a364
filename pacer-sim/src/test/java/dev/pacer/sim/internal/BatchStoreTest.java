package dev.pacer.sim.internal;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.pacer.sim.SimSettings;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

class BatchStoreTest {

    /**
     * Regression: the queue was checked, then the batch created, in two steps; sixteen creations
     * released together by a barrier each saw room and queued up to 80,000 requests in a queue of 20,000.
     */
    @Test
    void batchesCreatedAtTheSameInstantNeverOverfillTheQueue() throws Exception {
        List<Map.Entry<String, JsonNode>> entries = new ArrayList<>();
        JsonNode params = Json.object().put("model", "claude-haiku-4-5");
        for (int i = 0; i < 5_000; i++) {
            entries.add(Map.entry("r-" + i, params));
        }
        for (int round = 0; round < 10; round++) {
            Simulator sim = new Simulator(SimSettings.builder().batches(100_000, 20_000).build());
            try (ExecutorService pool = Executors.newFixedThreadPool(16)) {
                CyclicBarrier together = new CyclicBarrier(16);
                List<Future<Batch>> calls = new ArrayList<>();
                for (int t = 0; t < 16; t++) {
                    calls.add(pool.submit(() -> {
                        together.await();
                        return sim.batches().createWithin("key-1", "key-1", entries, 20_000);
                    }));
                }
                int created = 0;
                for (Future<Batch> f : calls) {
                    created += f.get() != null ? 1 : 0;
                }
                assertThat(created).as("round " + round).isEqualTo(4);
                assertThat(sim.batches().queued("key-1", sim.clock().seconds())).isEqualTo(20_000);
            } finally {
                sim.close();
            }
        }
    }
}
