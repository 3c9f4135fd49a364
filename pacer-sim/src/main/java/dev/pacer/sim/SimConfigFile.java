package dev.pacer.sim;

import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.api.lowlevel.Compose;
import org.snakeyaml.engine.v2.exceptions.MarkedYamlEngineException;
import org.snakeyaml.engine.v2.exceptions.YamlEngineException;
import org.snakeyaml.engine.v2.nodes.MappingNode;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.NodeTuple;
import org.snakeyaml.engine.v2.nodes.ScalarNode;
import org.snakeyaml.engine.v2.nodes.SequenceNode;
import org.snakeyaml.engine.v2.nodes.Tag;

/**
 * Reads {@code sim.yaml} (or a fragment of it, in YAML or JSON, as the admin endpoints take) on
 * top of existing settings. Every mistake is one sentence naming the file, the line, the setting
 * and what is allowed. The format is in docs/simulator.md.
 */
public final class SimConfigFile {

    /** A mistake in the file, already worded for the user. */
    public static final class Invalid extends Exception {
        public Invalid(String message) {
            super(message, null, false, false);
        }
    }

    private static final Set<String> TOP = Set.of("tier", "classes", "models", "default-class", "limits", "count-tokens-rpm",
            "batch-rpm", "burst-ratio", "otpm-mode", "otpm-overrun", "time-scale", "clock-start", "seed", "retry-after-ms", "x-should-retry", "limit-scope",
            "window-seconds", "debug", "stream-error-request-id", "rate-limit-headers-on-success", "latency", "output", "spend-cap", "acceleration", "api-keys", "batches", "faults");
    private static final Set<String> FAULTS = Set.of("overloaded", "api-error", "timeout-error", "connection-reset", "slow-headers",
            "slow-headers-seconds", "mid-stream-error", "mid-stream-after-events", "stream-stall", "stall-seconds", "stream-no-stop",
            "stream-reset", "batch-expire", "batch-error", "storms", "retry-after", "mid-stream-error-type");

    private final String file;

    private SimConfigFile(String file) {
        this.file = file;
    }

    /** Reads {@code path} on top of {@code base}. */
    public static SimSettings.Builder read(Path path, SimSettings.Builder base) throws Invalid {
        String text;
        try {
            text = Files.readString(path);
        } catch (NoSuchFileException e) {
            throw new Invalid("The config file " + path + " does not exist; check the path given to --config.");
        } catch (CharacterCodingException e) {
            throw new Invalid("The config file " + path + " is not UTF-8 text; save it as UTF-8.");
        } catch (IOException e) {
            throw new Invalid("The config file " + path + " cannot be read (" + e.getMessage() + "); check its permissions.");
        }
        return parse(path.getFileName().toString(), text, base);
    }

    /** Reads YAML (or JSON) text, named {@code name} in messages, on top of {@code base}. */
    public static SimSettings.Builder parse(String name, String text, SimSettings.Builder base) throws Invalid {
        SimConfigFile reader = new SimConfigFile(name);
        Optional<Node> root = reader.compose(text);
        if (root.isEmpty()) {
            return base;
        }
        reader.settings(reader.mapping(root.get(), "the top level"), base);
        return base;
    }

    /** Reads a whole fault profile (the {@code faults} section's format) from YAML or JSON text. */
    public static FaultProfile parseFaults(String name, String text) throws Invalid {
        SimConfigFile reader = new SimConfigFile(name);
        Optional<Node> root = reader.compose(text);
        return root.isEmpty() ? FaultProfile.NONE : reader.faults(root.get());
    }

    /** A fault profile in the {@code faults} section's format (what {@code GET /_sim/faults} shows). */
    public static Map<String, Object> describe(FaultProfile f) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("overloaded", f.overloaded());
        m.put("api-error", f.apiError());
        m.put("timeout-error", f.timeoutError());
        m.put("connection-reset", f.connectionReset());
        m.put("slow-headers", f.slowHeaders());
        m.put("slow-headers-seconds", f.slowHeadersSeconds());
        m.put("mid-stream-error", f.midStreamError());
        m.put("mid-stream-after-events", f.midStreamAfterEvents());
        m.put("stream-stall", f.streamStall());
        m.put("stall-seconds", f.stallSeconds());
        m.put("stream-no-stop", f.streamNoStop());
        m.put("stream-reset", f.streamReset());
        m.put("batch-expire", f.batchExpire());
        m.put("batch-error", f.batchError());
        m.put("retry-after", f.retryAfterSeconds());
        m.put("mid-stream-error-type", f.midStreamErrorType());
        List<Map<String, Object>> storms = new ArrayList<>();
        for (FaultProfile.Storm s : f.storms()) {
            Map<String, Object> st = new LinkedHashMap<>();
            st.put("from", s.fromSeconds());
            st.put("to", s.toSeconds());
            st.put("probability", s.probability());
            st.put("model", s.modelClass());
            storms.add(st);
        }
        m.put("storms", storms);
        return m;
    }

    private Optional<Node> compose(String text) throws Invalid {
        try {
            return new Compose(LoadSettings.builder().setLabel(file).build()).composeString(text);
        } catch (MarkedYamlEngineException e) {
            int line = e.getProblemMark().map(m -> m.getLine() + 1).orElse(0);
            throw new Invalid(file + " line " + line + ": this is not valid YAML (" + e.getProblem() + ").");
        } catch (YamlEngineException e) {
            throw new Invalid(file + ": this is not valid YAML (" + e.getMessage() + ").");
        }
    }

    private void settings(MappingNode top, SimSettings.Builder b) throws Invalid {
        Map<String, Node> f = fields(top, "the top level", TOP);
        if (f.containsKey("tier")) {
            Node n = f.get("tier");
            b.tier(check(n, () -> Tier.of(scalar(n, "tier"))));
        }
        if (f.containsKey("limits")) {
            Node n = f.get("limits");
            Map<String, Node> l = fields(mapping(n, "limits"), "limits", Set.of("rpm", "itpm", "otpm"));
            b.limits(positiveLong(req(l, "rpm", "limits", n), "limits.rpm"), positiveLong(req(l, "itpm", "limits", n), "limits.itpm"),
                    positiveLong(req(l, "otpm", "limits", n), "limits.otpm"));
        }
        if (f.containsKey("classes")) {
            for (NodeTuple t : mapping(f.get("classes"), "classes").getValue()) {
                modelClass(scalar(t.getKeyNode(), "classes"), t.getValueNode(), b);
            }
        }
        ModelTable table = b.models();
        if (f.containsKey("models")) {
            for (NodeTuple t : mapping(f.get("models"), "models").getValue()) {
                String model = scalar(t.getKeyNode(), "models");
                table = table.with(model, knownClass(t.getValueNode(), "models." + model, b));
            }
        }
        if (f.containsKey("default-class")) {
            table = table.withDefaultClass(knownClass(f.get("default-class"), "default-class", b));
        }
        b.models(table);
        if (f.containsKey("count-tokens-rpm")) {
            b.countTokensRpm(positiveLong(f.get("count-tokens-rpm"), "count-tokens-rpm"));
        }
        if (f.containsKey("batch-rpm")) {
            b.batchRpm(positiveLong(f.get("batch-rpm"), "batch-rpm"));
        }
        if (f.containsKey("burst-ratio")) {
            double r = number(f.get("burst-ratio"), "burst-ratio");
            if (!(r > 0 && r <= 1)) {
                throw at(f.get("burst-ratio"), "burst-ratio must be more than 0 and at most 1, not " + r + ".");
            }
            b.burstRatio(r);
        }
        if (f.containsKey("otpm-mode")) {
            Node n = f.get("otpm-mode");
            b.otpmMode(check(n, () -> OtpmMode.of(scalar(n, "otpm-mode"))));
        }
        if (f.containsKey("otpm-overrun")) {
            Node n = f.get("otpm-overrun");
            b.otpmOverrun(check(n, () -> OtpmOverrun.of(scalar(n, "otpm-overrun"))));
        }
        if (f.containsKey("time-scale")) {
            double s = number(f.get("time-scale"), "time-scale");
            if (!(s > 0 && s <= 10_000)) {
                throw at(f.get("time-scale"), "time-scale must be more than 0 and at most 10000, not " + s + ".");
            }
            b.timeScale(s);
        }
        if (f.containsKey("clock-start")) {
            Node n = f.get("clock-start");
            try {
                b.clockStart(Instant.parse(scalar(n, "clock-start")));
            } catch (DateTimeParseException e) {
                throw at(n, "clock-start must be an RFC 3339 instant such as 2026-12-01T00:00:00Z, not '" + scalar(n, "clock-start") + "'.");
            }
        }
        if (f.containsKey("seed")) {
            b.seed(longValue(f.get("seed"), "seed"));
        }
        if (f.containsKey("retry-after-ms")) {
            b.retryAfterMs(bool(f.get("retry-after-ms"), "retry-after-ms"));
        }
        if (f.containsKey("limit-scope")) {
            Node n = f.get("limit-scope");
            b.limitScope(check(n, () -> LimitScope.of(scalar(n, "limit-scope"))));
        }
        if (f.containsKey("x-should-retry")) {
            b.shouldRetryHeader(bool(f.get("x-should-retry"), "x-should-retry"));
        }
        if (f.containsKey("stream-error-request-id")) {
            b.streamErrorRequestId(bool(f.get("stream-error-request-id"), "stream-error-request-id"));
        }
        if (f.containsKey("rate-limit-headers-on-success")) {
            b.rateLimitHeadersOnSuccess(bool(f.get("rate-limit-headers-on-success"), "rate-limit-headers-on-success"));
        }
        if (f.containsKey("debug")) {
            b.debug(bool(f.get("debug"), "debug"));
        }
        if (f.containsKey("window-seconds")) {
            b.windowSeconds(positive(f.get("window-seconds"), "window-seconds"));
        }
        if (f.containsKey("latency")) {
            latency(f.get("latency"), b);
        }
        if (f.containsKey("output")) {
            Node n = f.get("output");
            Map<String, Node> o = fields(mapping(n, "output"), "output", Set.of("median", "sigma"));
            SimSettings.OutputLength cur = b.output();
            int median = o.containsKey("median") ? (int) positiveLong(o.get("median"), "output.median") : cur.median();
            double sigma = o.containsKey("sigma") ? number(o.get("sigma"), "output.sigma") : cur.sigma();
            check(n, () -> b.outputLength(median, sigma));
        }
        if (f.containsKey("spend-cap")) {
            spendCap(f.get("spend-cap"), b);
        }
        if (f.containsKey("acceleration")) {
            acceleration(f.get("acceleration"), b);
        }
        if (f.containsKey("api-keys")) {
            Node n = f.get("api-keys");
            if (!(n instanceof SequenceNode seq)) {
                throw at(n, "api-keys must be a list of keys, e.g. [sk-test-1, sk-test-2].");
            }
            Set<String> keys = new LinkedHashSet<>();
            for (Node k : seq.getValue()) {
                keys.add(scalar(k, "api-keys"));
            }
            b.apiKeys(keys);
        }
        if (f.containsKey("batches")) {
            batches(f.get("batches"), b);
        }
        if (f.containsKey("faults")) {
            b.faults(faults(f.get("faults")));
        }
    }

    /**
     * One entry of {@code classes}. A new class needs its three limits; a class that already has
     * them (from the tier) may change any one figure, e.g. only {@code max-output-tokens}, and
     * keeps the rest.
     */
    private void modelClass(String name, Node v, SimSettings.Builder b) throws Invalid {
        String where = "classes." + name;
        Map<String, Node> c = fields(mapping(v, where), where, Set.of("rpm", "itpm", "otpm", "count-cache-reads", "max-output-tokens"));
        ModelClass had = b.classes().get(name);
        long rpm = had != null && !c.containsKey("rpm") ? had.rpm() : positiveLong(req(c, "rpm", where, v), where + ".rpm");
        long itpm = had != null && !c.containsKey("itpm") ? had.itpm() : positiveLong(req(c, "itpm", where, v), where + ".itpm");
        long otpm = had != null && !c.containsKey("otpm") ? had.otpm() : positiveLong(req(c, "otpm", where, v), where + ".otpm");
        boolean cacheReads = c.containsKey("count-cache-reads") ? bool(c.get("count-cache-reads"), where + ".count-cache-reads")
                : had != null && had.countCacheReads();
        long maxOutput = c.containsKey("max-output-tokens") ? maxOutputTokens(c.get("max-output-tokens"), where + ".max-output-tokens")
                : had != null ? had.maxOutputTokens() : ModelClass.UNCAPPED;
        b.modelClass(check(v, () -> new ModelClass(name, rpm, itpm, otpm, cacheReads, maxOutput)));
    }

    /** A whole number of at least 1, or {@code none} (or null) for no maximum. */
    private long maxOutputTokens(Node n, String where) throws Invalid {
        if (n instanceof ScalarNode s && (s.getTag().equals(Tag.NULL) || s.getValue().equalsIgnoreCase("none"))) {
            return ModelClass.UNCAPPED;
        }
        String v = scalar(n, where).replace("_", "").replace(",", "");
        try {
            long max = Long.parseLong(v);
            if (max >= 1) {
                return max;
            }
        } catch (NumberFormatException e) {
            // worded below
        }
        throw at(n, where + " must be a whole number of at least 1, or none for no maximum, not '" + scalar(n, where) + "'.");
    }

    /**
     * A class name that has limits (from the tier or {@code classes}, both read before this), so a
     * typo is reported here with its line instead of later, lineless, when the settings are built.
     */
    private String knownClass(Node n, String where, SimSettings.Builder b) throws Invalid {
        String c = scalar(n, where);
        if (!b.classes().containsKey(c)) {
            throw at(n, where + " draws on model class '" + c + "', which has no limits; use one of "
                    + String.join(", ", new TreeSet<>(b.classes().keySet())) + ", or add it under classes.");
        }
        return c;
    }

    private void latency(Node n, SimSettings.Builder b) throws Invalid {
        Map<String, Node> l = fields(mapping(n, "latency"), "latency", Set.of("ttft", "tokens-per-second", "jitter"));
        SimSettings.Latency cur = b.latency();
        double ttft = l.containsKey("ttft") ? number(l.get("ttft"), "latency.ttft") : cur.ttftSeconds();
        double tps = l.containsKey("tokens-per-second") ? number(l.get("tokens-per-second"), "latency.tokens-per-second") : cur.tokensPerSecond();
        double jitter = l.containsKey("jitter") ? number(l.get("jitter"), "latency.jitter") : cur.jitter();
        check(n, () -> b.latency(ttft, tps, jitter));
    }

    private void spendCap(Node n, SimSettings.Builder b) throws Invalid {
        if (n instanceof ScalarNode) {
            b.spendCap(bool(n, "spend-cap"));
            return;
        }
        Map<String, Node> s = fields(mapping(n, "spend-cap"), "spend-cap", Set.of("enabled", "after-requests"));
        boolean on = !s.containsKey("enabled") || bool(s.get("enabled"), "spend-cap.enabled");
        long after = s.containsKey("after-requests") ? longValue(s.get("after-requests"), "spend-cap.after-requests") : 0;
        check(n, () -> b.spendCap(new SimSettings.SpendCap(on, after)));
    }

    private void acceleration(Node n, SimSettings.Builder b) throws Invalid {
        Map<String, Node> a = fields(mapping(n, "acceleration"), "acceleration",
                Set.of("enabled", "factor", "window", "baseline", "floor", "legacy-529"));
        SimSettings.Acceleration cur = b.acceleration();
        boolean on = !a.containsKey("enabled") || bool(a.get("enabled"), "acceleration.enabled");
        double factor = a.containsKey("factor") ? number(a.get("factor"), "acceleration.factor") : cur.factor();
        double window = a.containsKey("window") ? number(a.get("window"), "acceleration.window") : cur.windowSeconds();
        double baseline = a.containsKey("baseline") ? number(a.get("baseline"), "acceleration.baseline") : cur.baselineSeconds();
        double floor = a.containsKey("floor") ? number(a.get("floor"), "acceleration.floor") : cur.floor();
        boolean legacy = a.containsKey("legacy-529") ? bool(a.get("legacy-529"), "acceleration.legacy-529") : cur.legacy529();
        check(n, () -> b.acceleration(new SimSettings.Acceleration(on, factor, window, baseline, floor, legacy)));
    }

    private void batches(Node n, SimSettings.Builder b) throws Invalid {
        Map<String, Node> m = fields(mapping(n, "batches"), "batches",
                Set.of("processing-seconds", "expiry-seconds", "retention-seconds", "queue-limit"));
        SimSettings.Batches cur = b.batches();
        double processing = m.containsKey("processing-seconds") ? number(m.get("processing-seconds"), "batches.processing-seconds")
                : cur.processingSeconds();
        double expiry = m.containsKey("expiry-seconds") ? number(m.get("expiry-seconds"), "batches.expiry-seconds") : cur.expirySeconds();
        double retention = m.containsKey("retention-seconds") ? number(m.get("retention-seconds"), "batches.retention-seconds")
                : cur.retentionSeconds();
        long queue = m.containsKey("queue-limit") ? positiveLong(m.get("queue-limit"), "batches.queue-limit") : cur.queueLimit();
        check(n, () -> b.batches(new SimSettings.Batches(processing, expiry, retention, queue)));
    }

    private FaultProfile faults(Node node) throws Invalid {
        Map<String, Node> f = fields(mapping(node, "faults"), "faults", FAULTS);
        List<FaultProfile.Storm> storms = new ArrayList<>();
        if (f.containsKey("storms")) {
            Node s = f.get("storms");
            if (!(s instanceof SequenceNode seq)) {
                throw at(s, "faults.storms must be a list of {from, to, probability, model}.");
            }
            int i = 0;
            for (Node item : seq.getValue()) {
                String where = "faults.storms[" + i++ + "]";
                Map<String, Node> st = fields(mapping(item, where), where, Set.of("from", "to", "probability", "model"));
                double from = number(req(st, "from", where, item), where + ".from");
                double to = number(req(st, "to", where, item), where + ".to");
                double p = number(req(st, "probability", where, item), where + ".probability");
                String model = st.containsKey("model") ? scalar(st.get("model"), where + ".model") : null;
                storms.add(check(item, () -> new FaultProfile.Storm(from, to, p, model)));
            }
        }
        int after = f.containsKey("mid-stream-after-events") ? (int) positiveLong(f.get("mid-stream-after-events"), "faults.mid-stream-after-events") : 5;
        FaultProfile d = FaultProfile.NONE;
        String errorType = d.midStreamErrorType();
        if (f.containsKey("mid-stream-error-type")) {
            Node n = f.get("mid-stream-error-type");
            errorType = scalar(n, "faults.mid-stream-error-type");
            if (!FaultProfile.MID_STREAM_ERROR_TYPES.contains(errorType)) {
                throw at(n, "faults.mid-stream-error-type must be one of " + String.join(", ", FaultProfile.MID_STREAM_ERROR_TYPES)
                        + ", not '" + errorType + "'.");
            }
        }
        double retryAfter = seconds(f, "retry-after", d.retryAfterSeconds());
        if (retryAfter > 86_400) {
            throw at(f.get("retry-after"), "faults.retry-after must be between 0 (none) and 86400 seconds, not " + retryAfter + ".");
        }
        String type = errorType;
        return check(node, () -> new FaultProfile(prob(f, "overloaded"), prob(f, "api-error"), prob(f, "timeout-error"),
                prob(f, "connection-reset"), prob(f, "slow-headers"), seconds(f, "slow-headers-seconds", d.slowHeadersSeconds()),
                prob(f, "mid-stream-error"), after, prob(f, "stream-stall"), seconds(f, "stall-seconds", d.stallSeconds()),
                prob(f, "stream-no-stop"), prob(f, "stream-reset"), storms, prob(f, "batch-expire"), prob(f, "batch-error"),
                retryAfter, type));
    }

    private double prob(Map<String, Node> f, String name) throws Invalid {
        if (!f.containsKey(name)) {
            return 0;
        }
        double v = number(f.get(name), "faults." + name);
        if (!(v >= 0 && v <= 1)) {
            throw at(f.get(name), "faults." + name + " is a probability: between 0 and 1, not " + v + ".");
        }
        return v;
    }

    private double seconds(Map<String, Node> f, String name, double dflt) throws Invalid {
        if (!f.containsKey(name)) {
            return dflt;
        }
        double v = number(f.get(name), "faults." + name);
        if (!(v >= 0)) {
            throw at(f.get(name), "faults." + name + " must be 0 or more, not " + v + ".");
        }
        return v;
    }

    // ---------------------------------------------------------------- typed reads that know their line

    /** A construction that validates itself; its message gets the node's line. */
    private interface Checked<T> {
        T get() throws Invalid;
    }

    private <T> T check(Node node, Checked<T> make) throws Invalid {
        try {
            return make.get();
        } catch (IllegalArgumentException e) {
            throw at(node, e.getMessage());
        }
    }

    private Invalid at(Node node, String message) {
        int line = node.getStartMark().map(m -> m.getLine() + 1).orElse(0);
        return new Invalid(file + " line " + line + ": " + message);
    }

    private MappingNode mapping(Node node, String where) throws Invalid {
        if (node instanceof MappingNode m) {
            return m;
        }
        throw at(node, where + " must be a mapping of name: value pairs.");
    }

    private Map<String, Node> fields(MappingNode node, String where, Set<String> allowed) throws Invalid {
        Map<String, Node> out = new LinkedHashMap<>();
        for (NodeTuple t : node.getValue()) {
            String name = scalar(t.getKeyNode(), where);
            if (!allowed.contains(name)) {
                throw at(t.getKeyNode(), "'" + name + "' is not a setting of " + where + "; allowed: "
                        + String.join(", ", new TreeSet<>(allowed)) + ".");
            }
            if (out.put(name, t.getValueNode()) != null) {
                throw at(t.getKeyNode(), "'" + name + "' is set twice in " + where + "; keep one.");
            }
        }
        return out;
    }

    private Node req(Map<String, Node> fields, String name, String where, Node parent) throws Invalid {
        Node n = fields.get(name);
        if (n == null) {
            throw at(parent, where + "." + name + " is missing.");
        }
        return n;
    }

    private String scalar(Node node, String where) throws Invalid {
        if (node instanceof ScalarNode s) {
            return s.getValue();
        }
        throw at(node, where + " must be a single value.");
    }

    private long longValue(Node node, String where) throws Invalid {
        String v = scalar(node, where).replace("_", "").replace(",", "");
        try {
            return Long.parseLong(v);
        } catch (NumberFormatException e) {
            throw at(node, where + " must be a whole number, not '" + scalar(node, where) + "'.");
        }
    }

    private long positiveLong(Node node, String where) throws Invalid {
        long v = longValue(node, where);
        if (v < 1) {
            throw at(node, where + " must be at least 1, not " + v + ".");
        }
        return v;
    }

    private double number(Node node, String where) throws Invalid {
        double v;
        try {
            v = Double.parseDouble(scalar(node, where).replace("_", ""));
        } catch (NumberFormatException e) {
            throw at(node, where + " must be a number, not '" + scalar(node, where) + "'.");
        }
        // Java reads "Infinity", "NaN" and "1e999" as numbers; an endless latency or window is never meant.
        if (!Double.isFinite(v)) {
            throw at(node, where + " must be a finite number, not '" + scalar(node, where) + "'.");
        }
        return v;
    }

    private double positive(Node node, String where) throws Invalid {
        double v = number(node, where);
        if (!(v > 0)) {
            throw at(node, where + " must be more than 0, not " + v + ".");
        }
        return v;
    }

    private boolean bool(Node node, String where) throws Invalid {
        String v = scalar(node, where);
        return switch (v.toLowerCase(java.util.Locale.ROOT)) {
            case "true", "yes", "on" -> true;
            case "false", "no", "off" -> false;
            default -> throw at(node, where + " must be true or false, not '" + v + "'.");
        };
    }
}
