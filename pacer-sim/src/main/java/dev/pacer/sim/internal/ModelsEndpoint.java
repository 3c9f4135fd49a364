package dev.pacer.sim.internal;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** {@code GET /v1/models} (paged like the API) and {@code GET /v1/models/{id}}: the ids of the model table. */
final class ModelsEndpoint {

    private static final String CREATED_AT = "2025-10-01T00:00:00Z";

    private final Simulator sim;

    ModelsEndpoint(Simulator sim) {
        this.sim = sim;
    }

    void list(Exchange ex, Map<String, String> query) throws IOException {
        int limit;
        try {
            limit = Integer.parseInt(query.getOrDefault("limit", "20"));
        } catch (NumberFormatException e) {
            limit = -1;
        }
        if (limit < 1 || limit > 1000) {
            ex.json(400, ApiErrors.invalidRequest("limit: Input should be between 1 and 1000", ex.requestId), null);
            return;
        }
        List<String> ids = new ArrayList<>(sim.settings().limits().models().models());
        int from = query.containsKey("after_id") ? ids.indexOf(query.get("after_id")) + 1 : 0;
        int to = ids.size();
        if (query.containsKey("before_id")) {
            to = Math.max(0, ids.indexOf(query.get("before_id")));
            from = Math.max(from, to - limit);
        }
        List<String> page = ids.subList(Math.min(from, to), Math.min(to, from + limit));
        ObjectNode out = Json.object();
        ArrayNode data = out.putArray("data");
        page.forEach(id -> data.add(model(id)));
        out.put("has_more", query.containsKey("before_id") ? from > 0 : to - from > limit);
        BatchesEndpoint.putId(out, "first_id", page.isEmpty() ? null : page.get(0));
        BatchesEndpoint.putId(out, "last_id", page.isEmpty() ? null : page.get(page.size() - 1));
        ex.json(200, out, null);
    }

    void retrieve(Exchange ex, String id) throws IOException {
        if (sim.settings().limits().models().models().contains(id.toLowerCase(Locale.ROOT))) {
            ex.json(200, model(id.toLowerCase(Locale.ROOT)), null);
        } else {
            ex.json(404, ApiErrors.notFound("model: " + id, ex.requestId), null);
        }
    }

    private static ObjectNode model(String id) {
        ObjectNode m = Json.object();
        m.put("type", "model");
        m.put("id", id);
        m.put("display_name", displayName(id));
        m.put("created_at", CREATED_AT);
        return m;
    }

    /** {@code claude-sonnet-4-5-20250929} → {@code Claude Sonnet 4.5}. */
    static String displayName(String id) {
        StringBuilder name = new StringBuilder();
        StringBuilder version = new StringBuilder();
        for (String part : id.split("-")) {
            if (part.matches("\\d{8}")) {
                continue;
            }
            if (part.matches("\\d+")) {
                version.append(version.isEmpty() ? "" : ".").append(part);
            } else {
                name.append(name.isEmpty() ? "" : " ").append(Character.toUpperCase(part.charAt(0))).append(part.substring(1));
            }
        }
        return version.isEmpty() ? name.toString() : name + " " + version;
    }
}
