package dev.pacer.sim.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pacer.sim.OtpmMode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The Message Batches endpoints: create, retrieve, list (paged, newest first), cancel, delete,
 * results (JSONL). Every call counts against the key's batch RPM limit; creation also against the
 * queue of batch requests waiting to be processed. Only the shape of a batch is checked at
 * creation; its requests' params are validated while it is processed.
 */
final class BatchesEndpoint {

    static final long MAX_BYTES = 256L << 20;
    private static final Pattern CUSTOM_ID = Pattern.compile("[a-zA-Z0-9_-]{1,64}");
    private static final int MAX_REQUESTS = 100_000;

    private final Simulator sim;
    private volatile String baseUrl = "";

    BatchesEndpoint(Simulator sim) {
        this.sim = sim;
    }

    void baseUrl(String url) {
        this.baseUrl = url;
    }

    /** Charges the batch RPM limit; false (after answering 429) when it is spent. */
    private boolean admitted(Exchange ex, String keyId) throws IOException {
        double now = sim.clock().seconds();
        Limiter pool = new Limiter(sim.limits().batches(ex.identity().organization(), now), null, ex.identity());
        Admission a = pool.admit(now, 0, 0, OtpmMode.ACTUAL);
        if (!a.admitted()) {
            Replies.rateLimited(sim, ex, pool, a);
        }
        return a.admitted();
    }

    private Map<String, String> headers(Exchange ex) {
        double now = sim.clock().seconds();
        return sim.limits().batches(ex.identity().organization(), now).headers(now, sim.clock().at(now));
    }

    void create(Exchange ex, String keyId, JsonNode body) throws IOException {
        if (!admitted(ex, keyId)) {
            return;
        }
        JsonNode requests = body.get("requests");
        if (requests == null || requests.isNull()) {
            ex.json(400, ApiErrors.invalidRequest("requests: Field required", ex.requestId), null);
            return;
        }
        if (!requests.isArray()) {
            ex.json(400, ApiErrors.invalidRequest("requests: Input should be a valid list", ex.requestId), null);
            return;
        }
        if (requests.isEmpty() || requests.size() > MAX_REQUESTS) {
            ex.json(400, ApiErrors.invalidRequest("requests: a batch holds between 1 and 100,000 requests, not " + requests.size() + ".",
                    ex.requestId), null);
            return;
        }
        Set<String> ids = new HashSet<>();
        List<Map.Entry<String, JsonNode>> entries = new ArrayList<>(requests.size());
        for (int i = 0; i < requests.size(); i++) {
            JsonNode r = requests.get(i);
            String customId = r.path("custom_id").isTextual() ? r.get("custom_id").asText() : null;
            if (customId == null || !CUSTOM_ID.matcher(customId).matches()) {
                ex.json(400, ApiErrors.invalidRequest("requests." + i + ".custom_id: String should match pattern '^[a-zA-Z0-9_-]{1,64}$'",
                        ex.requestId), null);
                return;
            }
            if (!ids.add(customId)) {
                ex.json(400, ApiErrors.invalidRequest("requests: custom_id '" + customId
                        + "' is used more than once; each custom_id must be unique within a batch.", ex.requestId), null);
                return;
            }
            if (!r.path("params").isObject()) {
                ex.json(400, ApiErrors.invalidRequest("requests." + i + ".params: Field required", ex.requestId), null);
                return;
            }
            entries.add(new AbstractMap.SimpleImmutableEntry<>(customId, r.get("params")));
        }
        long limit = sim.settings().batches().queueLimit();
        String owner = ex.identity().organization();
        Batch batch = sim.batches().createWithin(keyId, owner, entries, limit);
        if (batch == null) {
            long queued = sim.batches().queued(owner, sim.clock().seconds());
            Map<String, String> h = new java.util.LinkedHashMap<>(headers(ex));
            Replies.retryAfter(sim, h, 60);
            ex.json(429, ApiErrors.body("rate_limit_error", "This request would exceed your organization's limit of " + ApiErrors.thousands(limit)
                    + " batch requests in the processing queue (" + ApiErrors.thousands(queued) + " are waiting). Please wait for "
                    + "batches to finish, or try again later.", ex.requestId), h);
            return;
        }
        ex.json(200, batch.toJson(baseUrl), headers(ex));
    }

    private Batch find(Exchange ex, String keyId, String id) throws IOException {
        Batch b = sim.batches().find(keyId, id);
        if (b == null) {
            ex.json(404, ApiErrors.notFound("No batch found with id '" + id + "'.", ex.requestId), headers(ex));
        }
        return b;
    }

    void retrieve(Exchange ex, String keyId, String id) throws IOException {
        if (!admitted(ex, keyId)) {
            return;
        }
        Batch b = find(ex, keyId, id);
        if (b != null) {
            ex.json(200, b.toJson(baseUrl), headers(ex));
        }
    }

    void cancel(Exchange ex, String keyId, String id) throws IOException {
        if (!admitted(ex, keyId)) {
            return;
        }
        Batch b = find(ex, keyId, id);
        if (b == null) {
            return;
        }
        double now = sim.clock().seconds();
        b.cancel(now - b.createdAt, sim.clock().at(now));
        ex.json(200, b.toJson(baseUrl), headers(ex));
    }

    void delete(Exchange ex, String keyId, String id) throws IOException {
        if (!admitted(ex, keyId)) {
            return;
        }
        Batch b = find(ex, keyId, id);
        if (b == null) {
            return;
        }
        if (!b.ended()) {
            ex.json(400, ApiErrors.invalidRequest("Batch " + id + " cannot be deleted while it is processing; cancel it and wait for it to end.",
                    ex.requestId), headers(ex));
            return;
        }
        b.delete();
        ObjectNode out = Json.object();
        out.put("id", id);
        out.put("type", "message_batch_deleted");
        ex.json(200, out, headers(ex));
    }

    void results(Exchange ex, String keyId, String id) throws IOException {
        if (!admitted(ex, keyId)) {
            return;
        }
        Batch b = find(ex, keyId, id);
        if (b == null) {
            return;
        }
        if (!b.ended()) {
            ex.json(400, ApiErrors.invalidRequest("Batch " + id + " has not finished processing; its results are available once "
                    + "processing_status is 'ended'.", ex.requestId), headers(ex));
            return;
        }
        if (sim.clock().seconds() - b.createdAt > b.retainedFor) {
            ex.json(404, ApiErrors.notFound("The results of batch " + id + " are no longer available (they are kept 29 days after creation).",
                    ex.requestId), headers(ex));
            return;
        }
        StringBuilder sb = new StringBuilder();
        for (String line : b.results()) {
            sb.append(line).append('\n');
        }
        ex.bytes(200, sb.toString().getBytes(StandardCharsets.UTF_8), "application/binary", headers(ex));
    }

    void list(Exchange ex, String keyId, Map<String, String> query) throws IOException {
        if (!admitted(ex, keyId)) {
            return;
        }
        int limit;
        try {
            limit = Integer.parseInt(query.getOrDefault("limit", "20"));
        } catch (NumberFormatException e) {
            limit = -1;
        }
        if (limit < 1 || limit > 1000) {
            ex.json(400, ApiErrors.invalidRequest("limit: Input should be between 1 and 1000", ex.requestId), headers(ex));
            return;
        }
        List<Batch> all = sim.batches().list(keyId);
        int from = 0;
        int to = all.size();
        String after = query.get("after_id");
        String before = query.get("before_id");
        if (after != null) {
            from = indexOf(all, after) + 1;
        }
        if (before != null) {
            to = Math.max(0, indexOf(all, before));
            from = Math.max(from, to - limit);
        }
        boolean hasMore = before != null ? from > 0 : to - from > limit;
        List<Batch> page = all.subList(Math.min(from, to), Math.min(to, from + limit));
        ObjectNode out = Json.object();
        ArrayNode data = out.putArray("data");
        page.forEach(b -> data.add(b.toJson(baseUrl)));
        out.put("has_more", hasMore);
        putId(out, "first_id", page.isEmpty() ? null : page.get(0).id);
        putId(out, "last_id", page.isEmpty() ? null : page.get(page.size() - 1).id);
        ex.json(200, out, headers(ex));
    }

    private static int indexOf(List<Batch> all, String id) {
        for (int i = 0; i < all.size(); i++) {
            if (all.get(i).id.equals(id)) {
                return i;
            }
        }
        return all.size();
    }

    static void putId(ObjectNode out, String field, String id) {
        if (id == null) {
            out.putNull(field);
        } else {
            out.put(field, id);
        }
    }
}
