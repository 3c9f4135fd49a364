package dev.pacer.batch;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class BatchChunkerTest {

    private static List<BatchInput.Item> items(int n, int textLength) {
        List<BatchInput.Item> items = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            ObjectNode params = BatchInput.JSON.createObjectNode().put("model", "claude-sonnet-4-5").put("max_tokens", 10);
            params.putArray("messages").addObject().put("role", "user").put("content", "x".repeat(textLength));
            items.add(new BatchInput.Item(i + 1, "q-" + i, params));
        }
        return items;
    }

    @Test
    void splitsAtTheRequestLimitInOrder() {
        List<List<BatchInput.Item>> chunks = BatchChunker.chunks(items(250_001, 1), 100_000, Long.MAX_VALUE);
        assertThat(chunks).extracting(List::size).containsExactly(100_000, 100_000, 50_001);
        assertThat(chunks.get(1).get(0).customId()).isEqualTo("q-100000");
    }

    @Test
    void splitsAtTheByteLimitCountingUtf8Bytes() {
        // 1,000 requests of about 1 kB of two-byte characters: a 256 kB limit takes about 120 per batch.
        List<BatchInput.Item> items = items(1_000, 0);
        items.forEach(i -> ((ObjectNode) i.params().path("messages").get(0)).put("content", "é".repeat(1_000)));
        List<List<BatchInput.Item>> chunks = BatchChunker.chunks(items, 100_000, 256_000);
        assertThat(chunks.size()).isBetween(7, 10);
        assertThat(chunks.stream().mapToInt(List::size).sum()).isEqualTo(1_000);
    }
}
