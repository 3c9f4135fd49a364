package dev.pacer.status.internal;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pacer.micrometer.internal.BoundedTags;
import dev.pacer.quota.Dimension;
import dev.pacer.quota.Priority;
import dev.pacer.quota.QuotaKey;
import dev.pacer.quota.QuotaView;
import dev.pacer.route.Target;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Writes {@code /status.json} from the engine's views and the {@link StatusRecorder}. The fields are
 * documented in docs/architecture.md ("The status document"); names are snake case, times ISO-8601 on
 * the engine's clock, amounts in the dimension's unit. Nothing in it is a key: pools are named by the
 * key's fingerprint.
 */
public final class StatusDocument {

    private static final ObjectMapper JSON = new ObjectMapper();

    private StatusDocument() {
    }

    /** The document now. */
    public static ObjectNode write(StatusRecorder recorder) {
        Instant now = recorder.pacer().clock().instant();
        ObjectNode root = JSON.createObjectNode();
        root.put("version", 1);
        root.put("at", now.toString());
        root.put("window_seconds", ResponseWindow.WINDOW_SECONDS);
        root.put("bucket_seconds", ResponseWindow.BUCKET_SECONDS);

        ResponseWindow.Bucket[] buckets = recorder.all().buckets(now);
        ObjectNode totals = totals(root.putObject("last_15_minutes"), buckets);
        totals.put("rate_limited_per_minute", round(totals.path("rate_limited").asLong() / 15.0));
        totals.put("overloaded_per_minute", round(totals.path("overloaded").asLong() / 15.0));
        ArrayNode series = root.putArray("series");
        for (ResponseWindow.Bucket b : buckets) {
            series.addObject().put("start", b.start().toString()).put("responses", b.responses())
                    .put("rate_limited", b.rateLimited()).put("overloaded", b.overloaded());
        }

        ArrayNode pools = root.putArray("pools");
        ArrayNode learned = root.putArray("limits_learned");
        for (Map.Entry<QuotaKey, ResponseWindow> e : recorder.pools()) {
            pool(pools.addObject(), learned, recorder, e.getKey(), e.getValue().buckets(now));
        }

        ArrayNode breakers = root.putArray("breakers");
        List<Map.Entry<Target, String>> targets = new ArrayList<>(recorder.targets().entrySet());
        targets.sort((a, b) -> (a.getKey().name() + a.getKey().quotaKey()).compareTo(b.getKey().name() + b.getKey().quotaKey()));
        for (Map.Entry<Target, String> t : targets) {
            breakers.addObject().put("target", BoundedTags.safe(t.getKey().provider()) + "/" + BoundedTags.safe(t.getKey().model()))
                    .put("model_class", t.getValue()).put("pool", BoundedTags.safe(t.getKey().quotaKey().id()))
                    .put("state", recorder.pacer().breakerState(t.getKey()).name().toLowerCase(Locale.ROOT));
        }

        ArrayNode fallbacks = root.putArray("recent_fallbacks");
        List<StatusRecorder.Fallback> recent = recorder.fallbacks();
        for (int i = recent.size() - 1; i >= 0; i--) {
            StatusRecorder.Fallback f = recent.get(i);
            fallbacks.addObject().put("at", f.at().toString()).put("from", f.from()).put("to", f.to())
                    .put("reason", f.reason().name().toLowerCase(Locale.ROOT));
        }
        return root;
    }

    private static void pool(ObjectNode out, ArrayNode learned, StatusRecorder recorder, QuotaKey key, ResponseWindow.Bucket[] buckets) {
        QuotaView view = recorder.pacer().quotas().view(key);
        String pool = BoundedTags.safe(key.id());
        out.put("pool", pool);
        Map<Dimension, StatusRecorder.LimitSource> sources = recorder.limits(key);
        ArrayNode dims = out.putArray("dimensions");
        List<Map.Entry<Dimension, QuotaView.DimensionView>> entries = new ArrayList<>(view.dimensions().entrySet());
        entries.sort(Map.Entry.comparingByKey((a, b) -> Integer.compare(a.index(), b.index())));
        for (Map.Entry<Dimension, QuotaView.DimensionView> d : entries) {
            QuotaView.DimensionView v = d.getValue();
            StatusRecorder.LimitSource source = sources.get(d.getKey());
            ObjectNode dim = dims.addObject().put("name", d.getKey().name()).put("level", round(v.level()))
                    .put("limit", v.limit().capacity()).put("per_minute", round(v.limit().perMinuteRate()))
                    .put("reserved", v.reserved())
                    .put("paused_until", v.pausedUntil() == null ? null : v.pausedUntil().toString())
                    .put("limit_source", source == null ? "unknown" : source.source());
            if (source != null) {
                learned.addObject().put("pool", pool).put("dimension", d.getKey().name()).put("limit", source.limit().capacity())
                        .put("per_minute", round(source.limit().perMinuteRate())).put("source", source.source())
                        .put("at", source.at().toString());
            }
            dim.put("used_ratio", v.limit().capacity() <= 0 ? 0 : round(1 - v.level() / v.limit().capacity()));
        }
        out.put("in_flight", view.inFlight());
        if (view.concurrencyLimit() == Integer.MAX_VALUE) {
            out.putNull("concurrency_limit");
        } else {
            out.put("concurrency_limit", view.concurrencyLimit());
        }
        ObjectNode waiting = out.putObject("waiting");
        for (Priority p : Priority.values()) {
            waiting.put(p.name().toLowerCase(Locale.ROOT), view.queuedByPriority().getOrDefault(p, 0));
        }
        out.put("waiting_total", view.queued());
        out.put("share", round(recorder.pacer().quotas().share(key)));
        out.put("paused_until", view.pausedUntil() == null ? null : view.pausedUntil().toString());
        totals(out.putObject("last_15_minutes"), buckets);
    }

    private static ObjectNode totals(ObjectNode out, ResponseWindow.Bucket[] buckets) {
        long responses = 0;
        long rateLimited = 0;
        long overloaded = 0;
        for (ResponseWindow.Bucket b : buckets) {
            responses += b.responses();
            rateLimited += b.rateLimited();
            overloaded += b.overloaded();
        }
        return out.put("responses", responses).put("rate_limited", rateLimited).put("overloaded", overloaded);
    }

    private static double round(double v) {
        return Double.isFinite(v) ? Math.round(v * 10) / 10.0 : 0;
    }
}
