package dev.pacer.sim;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.api.lowlevel.Compose;
import org.snakeyaml.engine.v2.exceptions.MarkedYamlEngineException;
import org.snakeyaml.engine.v2.nodes.MappingNode;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.NodeTuple;
import org.snakeyaml.engine.v2.nodes.ScalarNode;
import org.snakeyaml.engine.v2.nodes.SequenceNode;

/**
 * Reads {@code sim.yaml}. Every mistake is one sentence naming the file, the line, the field and
 * what is allowed (see docs/simulator.md for the format).
 */
public final class SimConfigFile {

    /** A mistake in the file, already worded for the user. */
    public static final class Invalid extends Exception {
        public Invalid(String message) {
            super(message, null, false, false);
        }
    }

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
        } catch (IOException e) {
            throw new Invalid("The config file " + path + " cannot be read (" + e.getMessage() + ").");
        }
        return new SimConfigFile(path.toString()).parse(text, base);
    }

    /** Reads YAML text (named {@code name} in messages) on top of {@code base}. */
    public static SimSettings.Builder parse(String name, Reader reader, SimSettings.Builder base) throws Invalid, IOException {
        StringBuilder sb = new StringBuilder();
        char[] buf = new char[8192];
        int n;
        while ((n = reader.read(buf)) > 0) {
            sb.append(buf, 0, n);
        }
        return new SimConfigFile(name).parse(sb.toString(), base);
    }

    private SimSettings.Builder parse(String text, SimSettings.Builder b) throws Invalid {
        Optional<Node> root;
        try {
            root = new Compose(LoadSettings.builder().setLabel(file).build()).composeString(text);
        } catch (MarkedYamlEngineException e) {
            int line = e.getProblemMark().map(m -> m.getLine() + 1).orElse(0);
            throw new Invalid(file + " line " + line + ": this is not valid YAML (" + e.getProblem() + ").");
        }
        if (root.isEmpty()) {
            return b;
        }
        MappingNode top = mapping(root.get(), "the top level");
        Map<String, Node> fields = fields(top, "the top level", Set.of("tier", "time-scale", "seed", "burst-ratio",
                "otpm-mode", "retry-after-ms", "limits", "classes", "models", "default-class", "latency", "output",
                "spend-cap", "acceleration", "api-keys", "batches", "faults", "window-seconds"));
        if (fields.containsKey("tier")) {
            Node n = fields.get("tier");
            try {
                b.tier(Tier.of(scalar(n, "tier")));
            } catch (IllegalArgumentException e) {
                throw at(n, "tier: " + e.getMessage());
            }
        }
        if (fields.containsKey("limits")) {
            Map<String, Node> l = fields(mapping(fields.get("limits"), "limits"), "limits", Set.of("rpm", "itpm", "otpm"));
            for (String k : List.of("rpm", "itpm", "otpm")) {
                if (!l.containsKey(k)) {
                    throw at(fields.get("limits"), "limits." + k + " is missing; give rpm, itpm and otpm.");
                }
            }
            b.limits(positiveLong(l.get("rpm"), "limits.rpm"), positiveLong(l.get("itpm"), "limits.itpm"),
                    positiveLong(l.get("otpm"), "limits.otpm"));
        }
        if (fields.containsKey("classes")) {
            MappingNode classes = mapping(fields.get("classes"), "classes");
            for (NodeTuple t : classes.getValue()) {
                String name = scalar(t.getKeyNode(), "classes");
                String where = "classes." + name;
                Map<String, Node> c = fields(mapping(t.getValueNode(), where), where, Set.of("rpm", "itpm", "otpm", "count-cache-reads"));
                b.modelClass(new ModelClass(name, positiveLong(req(c, "rpm", where, t.getValueNode()), where + ".rpm"),
                        positiveLong(req(c, "itpm", where, t.getValueNode()), where + ".itpm"),
                        positiveLong(req(c, "otpm", where, t.getValueNode()), where + ".otpm"),
                        c.containsKey("count-cache-reads") && bool(c.get("count-cache-reads"), where + ".count-cache-reads")));
            }
        }
        ModelTable table = ModelTable.defaults();
        boolean tableChanged = false;
        if (fields.containsKey("models")) {
            for (NodeTuple t : mapping(fields.get("models"), "models").getValue()) {
                table.put(scalar(t.getKeyNode(), "models"), scalar(t.getValueNode(), "models." + scalar(t.getKeyNode(), "models")));
            }
            tableChanged = true;
        }
        if (fields.containsKey("default-class")) {
            table.defaultClass(scalar(fields.get("default-class"), "default-class"));
            tableChanged = true;
        }
        if (tableChanged) {
            b.models(table);
        }
        if (fields.containsKey("time-scale")) {
            b.timeScale(positiveDouble(fields.get("time-scale"), "time-scale"));
        }
        if (fields.containsKey("seed")) {
            b.seed(longValue(fields.get("seed"), "seed"));
        }
        if (fields.containsKey("burst-ratio")) {
            b.burstRatio(fraction(fields.get("burst-ratio"), "burst-ratio", false));
        }
        if (fields.containsKey("otpm-mode")) {
            Node n = fields.get("otpm-mode");
            String mode = scalar(n, "otpm-mode");
            switch (mode) {
                case "actual" -> b.otpmMode(SimLimits.OtpmMode.ACTUAL);
                case "reserve-max-tokens" -> b.otpmMode(SimLimits.OtpmMode.RESERVE_MAX_TOKENS);
                default -> throw at(n, "otpm-mode '" + mode + "' is not allowed; use actual or reserve-max-tokens.");
            }
        }
        if (fields.containsKey("retry-after-ms")) {
            b.retryAfterMs(bool(fields.get("retry-after-ms"), "retry-after-ms"));
        }
        if (fields.containsKey("spend-cap")) {
            b.spendCap(bool(fields.get("spend-cap"), "spend-cap"));
        }
        if (fields.containsKey("window-seconds")) {
            b.windowSeconds(positiveDouble(fields.get("window-seconds"), "window-seconds"));
        }
        if (fields.containsKey("latency")) {
            Map<String, Node> l = fields(mapping(fields.get("latency"), "latency"), "latency", Set.of("ttft", "tokens-per-second", "jitter"));
            b.latency(l.containsKey("ttft") ? nonNegative(l.get("ttft"), "latency.ttft") : 0.5,
                    l.containsKey("tokens-per-second") ? positiveDouble(l.get("tokens-per-second"), "latency.tokens-per-second") : 80,
                    l.containsKey("jitter") ? fraction(l.get("jitter"), "latency.jitter", true) : 0.2);
        }
        if (fields.containsKey("output")) {
            Map<String, Node> o = fields(mapping(fields.get("output"), "output"), "output", Set.of("median", "sigma"));
            b.outputLength(o.containsKey("median") ? (int) positiveLong(o.get("median"), "output.median") : 250,
                    o.containsKey("sigma") ? nonNegative(o.get("sigma"), "output.sigma") : 0.9);
        }
        if (fields.containsKey("acceleration")) {
            Map<String, Node> a = fields(mapping(fields.get("acceleration"), "acceleration"), "acceleration",
                    Set.of("enabled", "factor", "legacy-529"));
            b.acceleration(a.containsKey("enabled") && bool(a.get("enabled"), "acceleration.enabled"),
                    a.containsKey("factor") ? positiveDouble(a.get("factor"), "acceleration.factor") : 8,
                    a.containsKey("legacy-529") && bool(a.get("legacy-529"), "acceleration.legacy-529"));
        }
        if (fields.containsKey("api-keys")) {
            Node n = fields.get("api-keys");
            if (!(n instanceof SequenceNode seq)) {
                throw at(n, "api-keys must be a list of keys.");
            }
            Set<String> keys = new LinkedHashSet<>();
            for (Node k : seq.getValue()) {
                keys.add(scalar(k, "api-keys"));
            }
            b.apiKeys(keys);
        }
        if (fields.containsKey("batches")) {
            Map<String, Node> bt = fields(mapping(fields.get("batches"), "batches"), "batches", Set.of("seconds", "queue-limit"));
            b.batches(bt.containsKey("seconds") ? positiveDouble(bt.get("seconds"), "batches.seconds") : 600,
                    bt.containsKey("queue-limit") ? positiveLong(bt.get("queue-limit"), "batches.queue-limit") : 100_000);
        }
        if (fields.containsKey("faults")) {
            b.faults(faults(fields.get("faults")));
        }
        return b;
    }

    private FaultProfile faults(Node node) throws Invalid {
        Map<String, Node> f = fields(mapping(node, "faults"), "faults", Set.of("overloaded", "api-error", "timeout-error",
                "connection-reset", "mid-stream-error", "mid-stream-after-events", "stream-stall", "stall-seconds",
                "stream-no-stop", "slow-headers-seconds", "batch-expire", "batch-error", "storms"));
        List<FaultProfile.Storm> storms = new ArrayList<>();
        if (f.containsKey("storms")) {
            Node s = f.get("storms");
            if (!(s instanceof SequenceNode seq)) {
                throw at(s, "faults.storms must be a list of {from, to, probability, class}.");
            }
            int i = 0;
            for (Node item : seq.getValue()) {
                String where = "faults.storms[" + i++ + "]";
                Map<String, Node> st = fields(mapping(item, where), where, Set.of("from", "to", "probability", "class"));
                double from = nonNegative(req(st, "from", where, item), where + ".from");
                double to = nonNegative(req(st, "to", where, item), where + ".to");
                if (to < from) {
                    throw at(item, where + ".to (" + to + ") must not be before from (" + from + ").");
                }
                storms.add(new FaultProfile.Storm(from, to, fraction(req(st, "probability", where, item), where + ".probability", true),
                        st.containsKey("class") ? scalar(st.get("class"), where + ".class") : null));
            }
        }
        return new FaultProfile(p(f, "overloaded"), p(f, "api-error"), p(f, "timeout-error"), p(f, "connection-reset"),
                p(f, "mid-stream-error"),
                f.containsKey("mid-stream-after-events") ? (int) positiveLong(f.get("mid-stream-after-events"), "faults.mid-stream-after-events") : 5,
                p(f, "stream-stall"), f.containsKey("stall-seconds") ? nonNegative(f.get("stall-seconds"), "faults.stall-seconds") : 30,
                p(f, "stream-no-stop"),
                f.containsKey("slow-headers-seconds") ? nonNegative(f.get("slow-headers-seconds"), "faults.slow-headers-seconds") : 0,
                storms, p(f, "batch-expire"), p(f, "batch-error"));
    }

    private double p(Map<String, Node> f, String name) throws Invalid {
        return f.containsKey(name) ? fraction(f.get(name), "faults." + name, true) : 0;
    }

    // ---------------------------------------------------------------- typed reads with the line

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
                        + String.join(", ", new java.util.TreeSet<>(allowed)) + ".");
            }
            out.put(name, t.getValueNode());
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
        try {
            return Double.parseDouble(scalar(node, where).replace("_", ""));
        } catch (NumberFormatException e) {
            throw at(node, where + " must be a number, not '" + scalar(node, where) + "'.");
        }
    }

    private double positiveDouble(Node node, String where) throws Invalid {
        double v = number(node, where);
        if (!(v > 0)) {
            throw at(node, where + " must be more than 0, not " + v + ".");
        }
        return v;
    }

    private double nonNegative(Node node, String where) throws Invalid {
        double v = number(node, where);
        if (!(v >= 0)) {
            throw at(node, where + " must be 0 or more, not " + v + ".");
        }
        return v;
    }

    private double fraction(Node node, String where, boolean zeroAllowed) throws Invalid {
        double v = number(node, where);
        if (!(v >= 0 && v <= 1) || (!zeroAllowed && v == 0)) {
            throw at(node, where + " must be between " + (zeroAllowed ? "0" : "0 (exclusive)") + " and 1, not " + v + ".");
        }
        return v;
    }

    private boolean bool(Node node, String where) throws Invalid {
        String v = scalar(node, where);
        return switch (v) {
            case "true", "yes", "on" -> true;
            case "false", "no", "off" -> false;
            default -> throw at(node, where + " must be true or false, not '" + v + "'.");
        };
    }
}
