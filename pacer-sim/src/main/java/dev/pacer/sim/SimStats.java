package dev.pacer.sim;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/** Counters the simulator keeps; {@link #toJson} is what {@code GET /_sim/stats} returns. */
final class SimStats {

    final LongAdder requests = new LongAdder();
    final Map<Integer, LongAdder> responses = new ConcurrentHashMap<>();
    final Map<String, LongAdder> faults = new ConcurrentHashMap<>();

    void response(int status) {
        responses.computeIfAbsent(status, s -> new LongAdder()).increment();
    }

    void fault(String kind) {
        faults.computeIfAbsent(kind, s -> new LongAdder()).increment();
    }

    void reset() {
        requests.reset();
        responses.clear();
        faults.clear();
    }

    long responses(int status) {
        LongAdder a = responses.get(status);
        return a == null ? 0 : a.sum();
    }

    ObjectNode toJson(ObjectMapper json, SimLimits limits, double windowSeconds, SimClock clock) {
        ObjectNode root = json.createObjectNode();
        root.put("requests", requests.sum());
        ObjectNode byStatus = root.putObject("responses");
        new TreeMap<>(responses).forEach((status, n) -> byStatus.put(Integer.toString(status), n.sum()));
        double worst = 0;
        ObjectNode keys = json.createObjectNode();
        for (SimLimits.Pool pool : limits.pools()) {
            ObjectNode byClass = keys.has(pool.keyId) ? (ObjectNode) keys.get(pool.keyId) : keys.putObject(pool.keyId);
            ObjectNode p = byClass.putObject(pool.modelClass);
            worst = Math.max(worst, dimension(p.putObject("requests"), pool.requestsMeter, pool.requests, windowSeconds,
                    pool.rejectedBy.getOrDefault(SimLimits.REQUESTS, 0L)));
            if (pool.tokenLimited()) {
                worst = Math.max(worst, dimension(p.putObject("input_tokens"), pool.inputMeter, pool.input, windowSeconds,
                        pool.rejectedBy.getOrDefault(SimLimits.INPUT, 0L)));
                worst = Math.max(worst, dimension(p.putObject("output_tokens"), pool.outputMeter, pool.output, windowSeconds,
                        pool.rejectedBy.getOrDefault(SimLimits.OUTPUT, 0L)));
            }
        }
        root.put("max_window_overadmission", worst);
        root.put("window_seconds", windowSeconds);
        root.put("overloaded_529", responses(529));
        root.put("rate_limited_429", responses(429));
        ObjectNode f = root.putObject("faults");
        new TreeMap<>(faults).forEach((k, n) -> f.put(k, n.sum()));
        root.put("clock", clock.now().toString());
        root.put("time_scale", clock.scale());
        root.set("keys", keys);
        return root;
    }

    private static double dimension(ObjectNode out, WindowMeter meter, SimBucket bucket, double windowSeconds, long rejected) {
        double over = meter.maxOveradmission(bucket.capacity, bucket.ratePerSecond);
        out.put("limit_per_minute", bucket.perMinute);
        out.put("admitted", meter.total());
        out.put("max_in_window", meter.maxInWindow(windowSeconds));
        out.put("window_allowance", bucket.capacity + bucket.ratePerSecond * windowSeconds);
        out.put("overadmission", over);
        out.put("rate_limited", rejected);
        return over;
    }
}
