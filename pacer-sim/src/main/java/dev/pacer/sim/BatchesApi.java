package dev.pacer.sim;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Pattern;

/**
 * The Message Batches API: create, retrieve, list, cancel, delete, results. A batch stays
 * {@code in_progress} with every request counted as {@code processing} until it ends; its
 * requests are validated only while processing (bad params come back {@code errored});
 * results are written in shuffled order; all on the simulated clock.
 */
final class BatchesApi {

    private static final Pattern CUSTOM_ID = Pattern.compile("[a-zA-Z0-9_-]{1,64}");
    private static final long MAX_REQUESTS = 100_000;
    private static final double EXPIRY_SECONDS = 24 * 3600;

    private final SimState state;
    private final MessagesApi messages;
    private final Map<String, Batch> batches = new ConcurrentHashMap<>();
    private final List<Batch> order = new CopyOnWriteArrayList<>();
    private volatile String baseUrl = "";

    BatchesApi(SimState state, MessagesApi messages) {
        this.state = state;
        this.messages = messages;
    }

    void baseUrl(String url) {
        this.baseUrl = url;
    }

    private final class Batch {
        final String id = Http.id("msgbatch_");
        final String keyId;
        final Instant createdAt;
        final double createdSeconds;
        final List<JsonNode> requests;
        volatile String status = "in_progress";
        volatile Instant endedAt;
        volatile Instant cancelInitiatedAt;
        volatile boolean deleted;
        volatile List<String> results = List.of();
        final int[] counts = new int[5]; // processing, succeeded, errored, canceled, expired

        Batch(String keyId, List<JsonNode> requests) {
            this.keyId = keyId;
            this.requests = requests;
            this.createdSeconds = state.clock().seconds();
            this.createdAt = state.clock().at(createdSeconds);
            this.counts[0] = requests.size();
        }

        synchronized ObjectNode toJson() {
            ObjectNode b = Http.JSON.createObjectNode();
            b.put("id", id);
            b.put("type", "message_batch");
            b.put("processing_status", status);
            ObjectNode c = b.putObject("request_counts");
            c.put("processing", counts[0]);
            c.put("succeeded", counts[1]);
            c.put("errored", counts[2]);
            c.put("canceled", counts[3]);
            c.put("expired", counts[4]);
            putTime(b, "ended_at", endedAt);
            b.put("created_at", createdAt.toString());
            b.put("expires_at", createdAt.plusSeconds((long) EXPIRY_SECONDS).toString());
            b.putNull("archived_at");
            putTime(b, "cancel_initiated_at", cancelInitiatedAt);
            if (endedAt != null) {
                b.put("results_url", baseUrl + "/v1/messages/batches/" + id + "/results");
            } else {
                b.putNull("results_url");
            }
            return b;
        }
    }

    private static void putTime(ObjectNode b, String field, Instant value) {
        if (value == null) {
            b.putNull(field);
        } else {
            b.put(field, value.toString());
        }
    }

    private boolean limited(HttpExchange exchange, String keyId, String requestId) throws IOException {
        SimLimits.Pool pool = state.limits().batchPool(keyId);
        SimLimits.Decision d = pool.admit(0, 0);
        if (!d.admitted()) {
            state.rateLimited(exchange, pool, d, requestId);
            return true;
        }
        return false;
    }

    void create(HttpExchange exchange, String keyId, JsonNode body, String requestId) throws IOException {
        if (limited(exchange, keyId, requestId)) {
            return;
        }
        JsonNode reqs = body == null ? null : body.get("requests");
        if (reqs == null || !reqs.isArray() || reqs.isEmpty()) {
            state.reply(exchange, 400, Http.error("invalid_request_error", "requests: Field required (a non-empty list)", requestId), null, requestId);
            return;
        }
        if (reqs.size() > MAX_REQUESTS) {
            state.reply(exchange, 400, Http.error("invalid_request_error", "requests: at most 100000 requests per batch", requestId), null, requestId);
            return;
        }
        Set<String> ids = new HashSet<>();
        List<JsonNode> list = new ArrayList<>(reqs.size());
        int i = 0;
        for (JsonNode r : reqs) {
            String customId = r.path("custom_id").asText(null);
            if (customId == null || !CUSTOM_ID.matcher(customId).matches()) {
                state.reply(exchange, 400, Http.error("invalid_request_error", "requests." + i
                        + ".custom_id: String should match pattern '^[a-zA-Z0-9_-]{1,64}$'", requestId), null, requestId);
                return;
            }
            if (!ids.add(customId)) {
                state.reply(exchange, 400, Http.error("invalid_request_error", "requests: custom_id '" + customId
                        + "' is used more than once; each custom_id must be unique within a batch", requestId), null, requestId);
                return;
            }
            if (!r.has("params") || !r.get("params").isObject()) {
                state.reply(exchange, 400, Http.error("invalid_request_error", "requests." + i + ".params: Field required", requestId), null, requestId);
                return;
            }
            list.add(r);
            i++;
        }
        long queued = 0;
        for (Batch b : order) {
            if (b.keyId.equals(keyId)) {
                synchronized (b) {
                    queued += b.counts[0];
                }
            }
        }
        if (queued + list.size() > state.settings().batchQueueLimit()) {
            state.reply(exchange, 429, Http.error("rate_limit_error", "Your organization has reached the limit of "
                    + state.settings().batchQueueLimit() + " batch requests waiting to be processed.", requestId),
                    Map.of("retry-after", "60"), requestId);
            return;
        }
        Batch batch = new Batch(keyId, list);
        batches.put(batch.id, batch);
        order.add(batch);
        Thread.ofVirtual().name("sim-batch-" + batch.id).start(() -> process(batch));
        state.reply(exchange, 200, batch.toJson(), null, requestId);
    }

    private void process(Batch batch) {
        SimSettings settings = state.settings();
        double duration = Math.min(settings.batchSeconds() * (0.5 + Math.min(1, batch.requests.size() / 10_000.0)), EXPIRY_SECONDS + 1);
        double step = Math.max(1, duration / 50);
        double elapsed = 0;
        try {
            while (elapsed < duration && !"canceling".equals(batch.status)) {
                state.clock().sleep(Math.min(step, duration - elapsed));
                elapsed = state.clock().seconds() - batch.createdSeconds;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        boolean canceled = "canceling".equals(batch.status);
        boolean expiredAll = elapsed >= EXPIRY_SECONDS;
        FaultProfile faults = state.faults();
        Random random = new Random(settings.seed() ^ batch.id.hashCode());
        List<String> lines = new ArrayList<>(batch.requests.size());
        int[] counts = new int[5];
        int index = 0;
        for (JsonNode r : batch.requests) {
            String customId = r.get("custom_id").asText();
            ObjectNode line = Http.JSON.createObjectNode();
            line.put("custom_id", customId);
            ObjectNode result = line.putObject("result");
            // A cancel lets about half of the work already under way finish.
            if (canceled && index++ >= batch.requests.size() / 2) {
                result.put("type", "canceled");
                counts[3]++;
            } else if (expiredAll || random.nextDouble() < faults.batchExpire()) {
                result.put("type", "expired");
                counts[4]++;
            } else {
                JsonNode params = r.get("params");
                String invalid = invalidInBatch(params);
                if (invalid != null) {
                    errored(result, "invalid_request_error", invalid);
                    counts[2]++;
                } else if (random.nextDouble() < faults.batchError()) {
                    errored(result, "api_error", "Internal server error");
                    counts[2]++;
                } else {
                    MessageParams p = parseQuietly(params);
                    int out = messages.outputLength(p, state.random(p.seed()), settings);
                    String text = TextGenerator.generate(p.seed() ^ settings.seed(), out);
                    result.put("type", "succeeded");
                    result.set("message", MessagesApi.message(Http.id("msg_"), p.model(), text,
                            new MessagesApi.Usage(p.inputTokens() + p.cacheableTokens(), 0, 0, out),
                            out >= p.maxTokens() ? "max_tokens" : "end_turn", "batch"));
                    counts[1]++;
                }
            }
            lines.add(line.toString());
        }
        Collections.shuffle(lines, random);
        synchronized (batch) {
            batch.results = lines;
            System.arraycopy(counts, 1, batch.counts, 1, 4);
            batch.counts[0] = 0;
            batch.status = "ended";
            batch.endedAt = state.clock().now();
        }
    }

    private String invalidInBatch(JsonNode params) {
        try {
            MessageParams p = MessageParams.parse(params, false);
            if (state.models().classOf(p.model()) == null) {
                return "model: " + p.model();
            }
            if (p.stream()) {
                return "stream: streaming is not supported in batches";
            }
            if (params.has("speed")) {
                return "speed: fast mode is not supported in batches";
            }
            return null;
        } catch (MessageParams.Invalid e) {
            return e.getMessage();
        }
    }

    private static MessageParams parseQuietly(JsonNode params) {
        try {
            return MessageParams.parse(params, false);
        } catch (MessageParams.Invalid e) {
            throw new IllegalStateException(e);
        }
    }

    private static void errored(ObjectNode result, String type, String message) {
        result.put("type", "errored");
        ObjectNode error = result.putObject("error");
        error.put("type", "error");
        ObjectNode inner = error.putObject("error");
        inner.put("type", type);
        inner.put("message", message);
        error.putNull("request_id");
    }

    private Batch find(HttpExchange exchange, String keyId, String id, String requestId) throws IOException {
        Batch b = batches.get(id);
        if (b == null || b.deleted || !b.keyId.equals(keyId)) {
            state.reply(exchange, 404, Http.error("not_found_error", "No batch found with id '" + id + "'.", requestId), null, requestId);
            return null;
        }
        return b;
    }

    void retrieve(HttpExchange exchange, String keyId, String id, String requestId) throws IOException {
        if (limited(exchange, keyId, requestId)) {
            return;
        }
        Batch b = find(exchange, keyId, id, requestId);
        if (b != null) {
            state.reply(exchange, 200, b.toJson(), null, requestId);
        }
    }

    void cancel(HttpExchange exchange, String keyId, String id, String requestId) throws IOException {
        if (limited(exchange, keyId, requestId)) {
            return;
        }
        Batch b = find(exchange, keyId, id, requestId);
        if (b == null) {
            return;
        }
        synchronized (b) {
            if ("in_progress".equals(b.status)) {
                b.status = "canceling";
                b.cancelInitiatedAt = state.clock().now();
            }
        }
        state.reply(exchange, 200, b.toJson(), null, requestId);
    }

    void delete(HttpExchange exchange, String keyId, String id, String requestId) throws IOException {
        if (limited(exchange, keyId, requestId)) {
            return;
        }
        Batch b = find(exchange, keyId, id, requestId);
        if (b == null) {
            return;
        }
        if (!"ended".equals(b.status)) {
            state.reply(exchange, 400, Http.error("invalid_request_error", "Batch " + id
                    + " cannot be deleted while it is still processing; cancel it first.", requestId), null, requestId);
            return;
        }
        b.deleted = true;
        ObjectNode out = Http.JSON.createObjectNode();
        out.put("id", id);
        out.put("type", "message_batch_deleted");
        state.reply(exchange, 200, out, null, requestId);
    }

    void results(HttpExchange exchange, String keyId, String id, String requestId) throws IOException {
        if (limited(exchange, keyId, requestId)) {
            return;
        }
        Batch b = find(exchange, keyId, id, requestId);
        if (b == null) {
            return;
        }
        if (!"ended".equals(b.status)) {
            state.reply(exchange, 400, Http.error("invalid_request_error", "Batch " + id
                    + " has not finished processing; results are available once processing_status is 'ended'.", requestId), null, requestId);
            return;
        }
        StringBuilder sb = new StringBuilder();
        for (String line : b.results) {
            sb.append(line).append('\n');
        }
        state.stats().response(200);
        Http.sendBytes(exchange, 200, Http.utf8(sb.toString()), "application/binary", null, requestId);
    }

    void list(HttpExchange exchange, String keyId, Map<String, String> query, String requestId) throws IOException {
        if (limited(exchange, keyId, requestId)) {
            return;
        }
        int limit;
        try {
            limit = Integer.parseInt(query.getOrDefault("limit", "20"));
        } catch (NumberFormatException e) {
            limit = -1;
        }
        if (limit < 1 || limit > 1000) {
            state.reply(exchange, 400, Http.error("invalid_request_error", "limit: Input should be between 1 and 1000", requestId), null, requestId);
            return;
        }
        List<Batch> mine = new ArrayList<>();
        for (int i = order.size() - 1; i >= 0; i--) {
            Batch b = order.get(i);
            if (b.keyId.equals(keyId) && !b.deleted) {
                mine.add(b);
            }
        }
        int from = 0;
        int to = mine.size();
        String after = query.get("after_id");
        String before = query.get("before_id");
        if (after != null) {
            for (int i = 0; i < mine.size(); i++) {
                if (mine.get(i).id.equals(after)) {
                    from = i + 1;
                }
            }
        }
        if (before != null) {
            for (int i = 0; i < mine.size(); i++) {
                if (mine.get(i).id.equals(before)) {
                    to = i;
                }
            }
            from = Math.max(from, to - limit);
        }
        List<Batch> page = mine.subList(Math.min(from, to), Math.min(to, from + limit));
        ObjectNode out = Http.JSON.createObjectNode();
        ArrayNode data = out.putArray("data");
        page.forEach(b -> data.add(b.toJson()));
        out.put("has_more", before != null ? from > 0 : from + limit < to);
        if (page.isEmpty()) {
            out.putNull("first_id");
            out.putNull("last_id");
        } else {
            out.put("first_id", page.get(0).id);
            out.put("last_id", page.get(page.size() - 1).id);
        }
        state.reply(exchange, 200, out, null, requestId);
    }
}
