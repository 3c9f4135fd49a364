package dev.pacer.batch;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Splits the requests of a {@code --via batches} run, in order, into batches the Message Batches
 * API accepts: at most 100,000 requests and 256 MB each. The byte count is the request's JSON in
 * UTF-8 plus its envelope, against 200 MB, so a batch stays under the limit with room to spare.
 */
final class BatchChunker {

    static final int MAX_REQUESTS = 100_000;
    static final long MAX_BYTES = 200L << 20; // under the 256 MB limit, with room for the envelope

    private BatchChunker() {
    }

    /** {@code items} in batches within the API's limits. */
    static List<List<BatchInput.Item>> chunks(List<BatchInput.Item> items) {
        return chunks(items, MAX_REQUESTS, MAX_BYTES);
    }

    /** Splits {@code items}, in order, into batches of at most {@code maxRequests} and about {@code maxBytes} each. */
    static List<List<BatchInput.Item>> chunks(List<BatchInput.Item> items, int maxRequests, long maxBytes) {
        List<List<BatchInput.Item>> out = new ArrayList<>();
        List<BatchInput.Item> current = new ArrayList<>();
        long bytes = 0;
        for (BatchInput.Item item : items) {
            long size = item.params().toString().getBytes(StandardCharsets.UTF_8).length + item.customId().length() + 40L;
            if (!current.isEmpty() && (current.size() >= maxRequests || bytes + size > maxBytes)) {
                out.add(current);
                current = new ArrayList<>();
                bytes = 0;
            }
            current.add(item);
            bytes += size;
        }
        if (!current.isEmpty()) {
            out.add(current);
        }
        return out;
    }
}
