package dev.pacer.sim;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What the simulator has seen, at one instant: the same figures {@code GET /_sim/stats} returns
 * ({@link #toJson()}). API keys appear only as {@link #keyId fingerprints}.
 *
 * @param clock                  the simulated instant of the snapshot
 * @param timeScale              the time scale
 * @param requests               API requests received (admin calls excluded)
 * @param responses              responses by HTTP status
 * @param faults                 injected faults by kind
 * @param internalErrors         handlers that failed unexpectedly (simulator bugs, answered 500 {@code api_error}); 0 in a healthy run
 * @param windowSeconds          the window of {@link Dimension#maxInWindow()}
 * @param maxWindowOveradmission the largest {@link Dimension#overadmission()} of any bucket: 0 proves no limit was exceeded
 * @param pools                  every (key, class) pool, plus each key's {@code count_tokens} and {@code batches} pools
 * @param batches                Message Batches totals
 * @param inFlight               API requests being answered now (from arrival to the last bytes of the answer)
 * @param maxInFlight            the most API requests ever answered at once: what a client's concurrency limit bounds
 * @param maxInFlightByKey       the same per API key fingerprint (requests without a key count only in {@code maxInFlight})
 */
public record SimStats(Instant clock, double timeScale, long requests, Map<Integer, Long> responses, Map<String, Long> faults,
                       long internalErrors, double windowSeconds, double maxWindowOveradmission, List<PoolStats> pools, BatchStats batches,
                       int inFlight, int maxInFlight, Map<String, Integer> maxInFlightByKey) {

    public SimStats {
        responses = Map.copyOf(responses);
        faults = Map.copyOf(faults);
        pools = List.copyOf(pools);
        maxInFlightByKey = Map.copyOf(maxInFlightByKey);
    }

    /** The most requests of {@code apiKey} answered at once (0 if it sent none). */
    public int maxInFlight(String apiKey) {
        return maxInFlightByKey.getOrDefault(keyId(apiKey), 0);
    }

    /**
     * One bucket's figures (simulated time; amounts in requests or tokens).
     *
     * @param limitPerMinute  the per-minute limit
     * @param capacity        the bucket's capacity (the limit × burst ratio)
     * @param level           what is left now (negative: debt)
     * @param admitted        the total charged
     * @param maxInWindow     the largest amount charged within any window of {@code windowSeconds}
     * @param windowAllowance what a conforming bucket can let through in such a window: capacity + rate × window
     * @param overadmission   the largest excess, over any window of any length, of the amount charged over capacity + rate × length (0: never exceeded)
     * @param rateLimited     requests refused (429) because of this bucket
     * @param cuts            generations stopped because this (output) bucket ran dry ({@code otpm-overrun: cut})
     * @param cutTokens       the tokens those generations would still have produced
     */
    public record Dimension(long limitPerMinute, double capacity, double level, long admitted, double maxInWindow,
                            double windowAllowance, double overadmission, long rateLimited, long cuts, long cutTokens) {
    }

    /**
     * The limits of one API key on one model class (or its count_tokens or batches limit, which have requests only).
     *
     * @param keyId        the owner: a key's fingerprint (the organization of its own of an unlisted key),
     *                     {@link SimStats#ORGANIZATION} (the organization unlisted keys share with {@code limit-scope: organization}),
     *                     {@code org:<name>} or {@code ws:<organization>/<workspace>}
     * @param modelClass   the class, or {@code count_tokens} / {@code batches}
     * @param requests     the requests bucket
     * @param inputTokens  the input-tokens bucket (null for requests-only pools)
     * @param outputTokens the output-tokens bucket (null for requests-only pools)
     * @param overloaded   529s answered (injected overloads, storms, legacy acceleration limits)
     * @param serverErrors 500s and 504s answered
     */
    public record PoolStats(String keyId, String modelClass, Dimension requests, Dimension inputTokens, Dimension outputTokens,
                            long overloaded, long serverErrors) {
    }

    /** Message Batches totals: batches created, and their requests by result once ended. */
    public record BatchStats(long created, long requests, long succeeded, long errored, long canceled, long expired) {
    }

    /** The id under which statistics show the buckets every key shares with {@code limit-scope: organization}. */
    public static final String ORGANIZATION = "organization";

    /** Responses with this HTTP status. */
    public long responses(int status) {
        return responses.getOrDefault(status, 0L);
    }

    /**
     * The pool of {@code apiKey} on {@code modelClass}, or null if that key never used it; with
     * {@code limit-scope: organization}, pass {@link #ORGANIZATION} for the pool every key shares.
     */
    public PoolStats pool(String apiKey, String modelClass) {
        String id = apiKey.equals(ORGANIZATION) ? ORGANIZATION : keyId(apiKey);
        return pools.stream().filter(p -> p.keyId().equals(id) && p.modelClass().equals(modelClass)).findFirst().orElse(null);
    }

    /**
     * The pool of the organization {@code name} ({@code organizations:} in {@code sim.yaml}) on
     * {@code modelClass} (or {@code count_tokens}, {@code batches}), shown as {@code org:<name>}; null if unused.
     */
    public PoolStats organizationPool(String name, String modelClass) {
        return byId("org:" + name, modelClass);
    }

    /**
     * The pool of the workspace {@code workspace} of organization {@code organization} on {@code modelClass},
     * shown as {@code ws:<organization>/<workspace>}; null if unused or if the workspace does not narrow the class's limits.
     */
    public PoolStats workspacePool(String organization, String workspace, String modelClass) {
        return byId("ws:" + organization + "/" + workspace, modelClass);
    }

    private PoolStats byId(String id, String modelClass) {
        return pools.stream().filter(p -> p.keyId().equals(id) && p.modelClass().equals(modelClass)).findFirst().orElse(null);
    }

    /** The fingerprint under which statistics show an API key (the key itself is never shown). */
    public static String keyId(String apiKey) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(apiKey.getBytes(StandardCharsets.UTF_8));
            return "key-" + HexFormat.of().formatHex(digest, 0, 4);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }

    /** The JSON of {@code GET /_sim/stats}. */
    public ObjectNode toJson() {
        ObjectNode root = new ObjectMapper().createObjectNode();
        root.put("requests", requests);
        ObjectNode byStatus = root.putObject("responses");
        new TreeMap<>(responses).forEach((status, n) -> byStatus.put(Integer.toString(status), n));
        root.put("max_window_overadmission", maxWindowOveradmission);
        root.put("window_seconds", windowSeconds);
        root.put("rate_limited_429", responses(429));
        root.put("overloaded_529", responses(529));
        root.put("internal_errors", internalErrors);
        root.put("in_flight", inFlight);
        root.put("max_in_flight", maxInFlight);
        ObjectNode f = root.putObject("faults");
        new TreeMap<>(faults).forEach(f::put);
        root.put("clock", clock.toString());
        root.put("time_scale", timeScale);
        ObjectNode keys = root.putObject("keys");
        new TreeMap<>(maxInFlightByKey).forEach((key, max) -> keys.putObject(key).put("max_in_flight", max));
        for (PoolStats p : pools) {
            ObjectNode key = keys.has(p.keyId()) ? (ObjectNode) keys.get(p.keyId()) : keys.putObject(p.keyId());
            ObjectNode pool = key.putObject(p.modelClass());
            dimension(pool.putObject("requests"), p.requests());
            if (p.inputTokens() != null) {
                dimension(pool.putObject("input_tokens"), p.inputTokens());
                dimension(pool.putObject("output_tokens"), p.outputTokens());
            }
            pool.put("overloaded", p.overloaded());
            pool.put("server_errors", p.serverErrors());
        }
        ObjectNode b = root.putObject("batches");
        b.put("created", batches.created());
        b.put("requests", batches.requests());
        b.put("succeeded", batches.succeeded());
        b.put("errored", batches.errored());
        b.put("canceled", batches.canceled());
        b.put("expired", batches.expired());
        return root;
    }

    private static void dimension(ObjectNode out, Dimension d) {
        out.put("limit_per_minute", d.limitPerMinute());
        out.put("capacity", d.capacity());
        out.put("level", Math.floor(d.level() * 1000) / 1000);
        out.put("admitted", d.admitted());
        out.put("max_in_window", d.maxInWindow());
        out.put("window_allowance", d.windowAllowance());
        out.put("overadmission", d.overadmission());
        out.put("rate_limited", d.rateLimited());
        if (d.cuts() > 0) {
            out.put("cuts", d.cuts());
            out.put("cut_tokens", d.cutTokens());
        }
    }
}
