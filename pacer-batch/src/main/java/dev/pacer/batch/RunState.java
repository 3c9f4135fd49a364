package dev.pacer.batch;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The sidecar of a results file ({@code RESULTS.jsonl.pacer.json}): which input it belongs to
 * (path and SHA-256), the flags that repeat the run, and every Message Batches batch created for it — persisted
 * before it is polled, with the ids it covers, so a resumed run never creates a duplicate. It is
 * replaced atomically (write, sync, rename).
 */
final class RunState {

    /** A batch created for this run. */
    record Batch(String id, List<String> customIds, boolean merged) {
    }

    private final Path path;
    String inputPath;
    String inputSha256;
    String via;
    /** The share of the input this results file holds ({@code --shard}); null for the whole file (and for older state files). */
    String shard;
    final List<Batch> batches = new ArrayList<>();
    /** The flags that repeat this run (never the API key), e.g. ["--via", "batches", "--max-cost", "25.0"]. */
    final List<String> flags = new ArrayList<>();
    /** A create that may or may not have reached the API before a crash: adopted on resume, never repeated blindly. */
    String pendingCreateAt;
    int pendingCreateCount;

    private RunState(Path path) {
        this.path = path;
    }

    static Path sidecarOf(Path results) {
        return results.resolveSibling(results.getFileName() + ".pacer.json");
    }

    static RunState load(Path results) {
        Path path = sidecarOf(results);
        RunState state = new RunState(path);
        if (!Files.exists(path)) {
            return state;
        }
        try {
            JsonNode node = BatchInput.JSON.readTree(path.toFile());
            state.inputPath = node.path("input").asText(null);
            state.inputSha256 = node.path("input_sha256").asText(null);
            state.via = node.path("via").asText(null);
            state.shard = node.path("shard").asText(null);
            state.pendingCreateAt = node.path("pending_create_at").asText(null);
            state.pendingCreateCount = node.path("pending_create_count").asInt(0);
            node.path("flags").forEach(f -> state.flags.add(f.asText()));
            for (JsonNode b : node.path("batches")) {
                List<String> ids = new ArrayList<>();
                b.path("custom_ids").forEach(id -> ids.add(id.asText()));
                state.batches.add(new Batch(b.path("id").asText(), ids, b.path("merged").asBoolean(false)));
            }
            return state;
        } catch (IOException e) {
            throw new BatchException("The run state " + path + " is damaged (" + e.getMessage()
                    + "); move it away to start the bookkeeping afresh (results already written are kept).");
        }
    }

    boolean exists() {
        return inputSha256 != null;
    }

    synchronized void save() {
        ObjectNode node = BatchInput.JSON.createObjectNode();
        node.put("input", inputPath);
        node.put("input_sha256", inputSha256);
        node.put("via", via);
        if (shard != null) {
            node.put("shard", shard);
        }
        node.put("updated_at", Instant.now().toString());
        if (pendingCreateAt != null) {
            node.put("pending_create_at", pendingCreateAt);
            node.put("pending_create_count", pendingCreateCount);
        }
        flags.forEach(node.putArray("flags")::add);
        ArrayNode arr = node.putArray("batches");
        for (Batch b : batches) {
            ObjectNode o = arr.addObject();
            o.put("id", b.id());
            o.put("merged", b.merged());
            ArrayNode ids = o.putArray("custom_ids");
            b.customIds().forEach(ids::add);
        }
        Path tmp = path.resolveSibling(path.getFileName() + ".tmp");
        try (var channel = java.nio.channels.FileChannel.open(tmp, java.nio.file.StandardOpenOption.CREATE,
                java.nio.file.StandardOpenOption.WRITE, java.nio.file.StandardOpenOption.TRUNCATE_EXISTING)) {
            channel.write(java.nio.ByteBuffer.wrap(BatchInput.JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(node)));
            channel.force(true);
        } catch (IOException e) {
            throw new BatchException("The run state " + path + " cannot be written: " + e.getMessage() + ".");
        }
        try {
            Files.move(tmp, path, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            try {
                Files.move(tmp, path, StandardCopyOption.REPLACE_EXISTING);
            } catch (IOException e2) {
                throw new BatchException("The run state " + path + " cannot be written: " + e2.getMessage() + ".");
            }
        } catch (IOException e) {
            throw new BatchException("The run state " + path + " cannot be written: " + e.getMessage() + ".");
        }
    }

    synchronized void markMerged(String id) {
        for (int i = 0; i < batches.size(); i++) {
            if (batches.get(i).id().equals(id)) {
                batches.set(i, new Batch(id, batches.get(i).customIds(), true));
            }
        }
        save();
    }
}
