package dev.pacer.sim;

import dev.pacer.sim.YamlReader.Section;
import dev.pacer.sim.YamlReader.Value;
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
import org.snakeyaml.engine.v2.nodes.Node;

/**
 * Reads {@code sim.yaml} (or a fragment of it, in YAML or JSON, as the admin endpoints take) on
 * top of existing settings. Every mistake is one sentence naming the file, the line, the setting
 * and what is allowed. The format is in docs/simulator.md. The typed reads, and the line of each
 * node, are {@link YamlReader}'s; this class says which key sets what.
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
            "window-seconds", "debug", "stream-error-request-id", "rate-limit-headers-on-success", "latency", "output", "spend-cap", "acceleration", "api-keys", "batches", "faults",
            "organizations", "identity-headers-on-errors", "openai");
    private static final Set<String> FAULTS = Set.of("overloaded", "api-error", "timeout-error", "connection-reset", "slow-headers",
            "slow-headers-seconds", "mid-stream-error", "mid-stream-after-events", "stream-stall", "stall-seconds", "stream-no-stop",
            "stream-reset", "batch-expire", "batch-error", "storms", "retry-after", "mid-stream-error-type");

    private final YamlReader reader;

    private SimConfigFile(String file) {
        this.reader = new YamlReader(file);
    }

    /** Reads {@code path} on top of {@code base}. */
    public static SimSettingsBuilder read(Path path, SimSettingsBuilder base) throws Invalid {
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
    public static SimSettingsBuilder parse(String name, String text, SimSettingsBuilder base) throws Invalid {
        SimConfigFile config = new SimConfigFile(name);
        Optional<Node> root = config.reader.compose(text);
        if (root.isPresent()) {
            config.settings(config.reader.top(root.get(), TOP), base);
        }
        return base;
    }

    /** Reads a whole fault profile (the {@code faults} section's format) from YAML or JSON text. */
    public static FaultProfile parseFaults(String name, String text) throws Invalid {
        SimConfigFile config = new SimConfigFile(name);
        Optional<Node> root = config.reader.compose(text);
        return root.isEmpty() ? FaultProfile.NONE : config.faults(config.reader.value(root.get(), "faults"));
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

    private void settings(Section f, SimSettingsBuilder b) throws Invalid {
        f.with("tier", v -> b.tier(v.parse(Tier::of)));
        f.with("limits", v -> {
            Section l = v.section(Set.of("rpm", "itpm", "otpm"));
            b.limits(l.required("rpm").positiveLong(), l.required("itpm").positiveLong(), l.required("otpm").positiveLong());
        });
        f.with("classes", v -> {
            for (Map.Entry<String, Value> c : v.entries().entrySet()) {
                modelClass(c.getKey(), c.getValue(), b);
            }
        });
        ModelTable table = b.limits().models();
        if (f.has("models")) {
            for (Map.Entry<String, Value> m : f.get("models").entries().entrySet()) {
                table = table.with(m.getKey(), knownClass(m.getValue(), b));
            }
        }
        if (f.has("default-class")) {
            table = table.withDefaultClass(knownClass(f.get("default-class"), b));
        }
        b.models(table);
        f.with("count-tokens-rpm", v -> b.countTokensRpm(v.positiveLong()));
        f.with("batch-rpm", v -> b.batchRpm(v.positiveLong()));
        f.with("burst-ratio", v -> v.check(() -> b.burstRatio(v.number())));
        f.with("otpm-mode", v -> b.otpmMode(v.parse(OtpmMode::of)));
        f.with("otpm-overrun", v -> b.otpmOverrun(v.parse(OtpmOverrun::of)));
        f.with("time-scale", v -> v.check(() -> b.timeScale(v.number())));
        f.with("clock-start", v -> {
            try {
                b.clockStart(Instant.parse(v.text()));
            } catch (DateTimeParseException e) {
                throw v.invalid("clock-start must be an RFC 3339 instant such as 2026-12-01T00:00:00Z, not '" + v.text() + "'.");
            }
        });
        f.with("seed", v -> b.seed(v.longValue()));
        f.with("retry-after-ms", v -> b.retryAfterMs(v.bool()));
        f.with("limit-scope", v -> b.limitScope(v.parse(LimitScope::of)));
        f.with("x-should-retry", v -> b.shouldRetryHeader(v.bool()));
        f.with("stream-error-request-id", v -> b.streamErrorRequestId(v.bool()));
        f.with("rate-limit-headers-on-success", v -> b.rateLimitHeadersOnSuccess(v.bool()));
        f.with("debug", v -> b.debug(v.bool()));
        f.with("window-seconds", v -> v.check(() -> b.windowSeconds(v.number())));
        f.with("latency", v -> {
            Section l = v.section(Set.of("ttft", "tokens-per-second", "jitter"));
            SimSettings.Latency cur = b.latency();
            double ttft = l.number("ttft", cur.ttftSeconds());
            double tps = l.number("tokens-per-second", cur.tokensPerSecond());
            double jitter = l.number("jitter", cur.jitter());
            l.check(() -> b.latency(ttft, tps, jitter));
        });
        f.with("output", v -> {
            Section o = v.section(Set.of("median", "sigma"));
            SimSettings.OutputLength cur = b.output();
            int median = (int) o.positiveLong("median", cur.median());
            double sigma = o.number("sigma", cur.sigma());
            o.check(() -> b.outputLength(median, sigma));
        });
        f.with("spend-cap", v -> spendCap(v, b));
        f.with("acceleration", v -> {
            Section a = v.section(Set.of("enabled", "factor", "window", "baseline", "floor", "legacy-529"));
            SimSettings.Acceleration cur = b.acceleration();
            boolean on = a.bool("enabled", true);
            double factor = a.number("factor", cur.factor());
            double window = a.number("window", cur.windowSeconds());
            double baseline = a.number("baseline", cur.baselineSeconds());
            double floor = a.number("floor", cur.floor());
            boolean legacy = a.bool("legacy-529", cur.legacy529());
            a.check(() -> b.acceleration(new SimSettings.Acceleration(on, factor, window, baseline, floor, legacy)));
        });
        f.with("api-keys", v -> {
            Set<String> keys = new LinkedHashSet<>();
            for (Node k : v.items("keys, e.g. [sk-test-1, sk-test-2]")) {
                keys.add(reader.value(k, "api-keys").text());
            }
            b.apiKeys(keys);
        });
        f.with("batches", v -> {
            Section m = v.section(Set.of("processing-seconds", "expiry-seconds", "retention-seconds", "queue-limit"));
            SimSettings.Batches cur = b.batches();
            double processing = m.number("processing-seconds", cur.processingSeconds());
            double expiry = m.number("expiry-seconds", cur.expirySeconds());
            double retention = m.number("retention-seconds", cur.retentionSeconds());
            long queue = m.positiveLong("queue-limit", cur.queueLimit());
            m.check(() -> b.batches(new SimSettings.Batches(processing, expiry, retention, queue)));
        });
        f.with("faults", v -> b.faults(faults(v)));
        f.with("identity-headers-on-errors", v -> b.identityHeadersOnErrors(v.bool()));
        f.with("organizations", v -> b.organizations(organizations(v, b)));
        f.with("openai", v -> b.chat(ChatSimSettings.read(v, b.chat())));
    }

    /**
     * {@code organizations}: by name, each with its optional {@code id} and {@code default-workspace-id},
     * the {@code keys} of its default workspace, and {@code workspaces}, each with its optional {@code id},
     * its {@code keys} and limits narrower than the organization's ({@code limits} for every class,
     * {@code classes} per class, each figure optional).
     */
    private Organizations organizations(Value v, SimSettingsBuilder b) throws Invalid {
        List<Organizations.Organization> list = new ArrayList<>();
        for (Map.Entry<String, Value> e : v.entries().entrySet()) {
            String name = e.getKey();
            Section o = e.getValue().section(Set.of("id", "default-workspace-id", "keys", "workspaces"));
            Set<String> keys = o.has("keys") ? keys(o.get("keys")) : Set.of();
            Map<String, Organizations.Workspace> workspaces = new LinkedHashMap<>();
            if (o.has("workspaces")) {
                for (Map.Entry<String, Value> w : o.get("workspaces").entries().entrySet()) {
                    workspaces.put(w.getKey(), workspace(name, w.getKey(), w.getValue(), b));
                }
            }
            Organizations.Organization named = o.check(() -> Organizations.Organization.named(name, keys, workspaces));
            String id = o.has("id") ? o.get("id").text() : named.id();
            String defaultWs = o.has("default-workspace-id") ? o.get("default-workspace-id").text() : named.defaultWorkspaceId();
            list.add(o.check(() -> new Organizations.Organization(name, id, defaultWs, keys, workspaces)));
        }
        return v.check(() -> new Organizations(list));
    }

    private Organizations.Workspace workspace(String org, String name, Value v, SimSettingsBuilder b) throws Invalid {
        Section w = v.section(Set.of("id", "keys", "limits", "classes"));
        Set<String> keys = w.has("keys") ? keys(w.get("keys")) : Set.of();
        Organizations.WorkspaceLimits all = w.has("limits") ? workspaceLimits(w.get("limits")) : Organizations.WorkspaceLimits.NONE;
        Map<String, Organizations.WorkspaceLimits> perClass = new LinkedHashMap<>();
        if (w.has("classes")) {
            for (Map.Entry<String, Value> c : w.get("classes").entries().entrySet()) {
                if (!b.limits().classes().containsKey(c.getKey())) {
                    throw c.getValue().invalid(c.getValue().name() + ": model class '" + c.getKey() + "' has no limits; use one of "
                            + String.join(", ", new TreeSet<>(b.limits().classes().keySet())) + ".");
                }
                perClass.put(c.getKey(), workspaceLimits(c.getValue()));
            }
        }
        Organizations.Workspace named = w.check(() -> Organizations.Workspace.named(org, name, keys, all, perClass));
        String id = w.has("id") ? w.get("id").text() : named.id();
        return w.check(() -> new Organizations.Workspace(name, id, keys, all, perClass));
    }

    /** A workspace's {@code {rpm, itpm, otpm}}, each optional (left out: the organization's), each at least 1. */
    private static Organizations.WorkspaceLimits workspaceLimits(Value v) throws Invalid {
        Section l = v.section(Set.of("rpm", "itpm", "otpm"));
        return new Organizations.WorkspaceLimits(l.positiveLong("rpm", 0), l.positiveLong("itpm", 0), l.positiveLong("otpm", 0));
    }

    private Set<String> keys(Value v) throws Invalid {
        Set<String> keys = new LinkedHashSet<>();
        for (Node k : v.items("keys, e.g. [sk-test-1, sk-test-2]")) {
            keys.add(reader.value(k, v.name()).text());
        }
        return keys;
    }

    /**
     * One entry of {@code classes}. A new class needs its three limits; a class that already has
     * them (from the tier) may change any one figure, e.g. only {@code max-output-tokens}, and
     * keeps the rest.
     */
    private void modelClass(String name, Value v, SimSettingsBuilder b) throws Invalid {
        Section c = v.section(Set.of("rpm", "itpm", "otpm", "count-cache-reads", "max-output-tokens"));
        ModelClass had = b.limits().classes().get(name);
        long rpm = had != null && !c.has("rpm") ? had.rpm() : c.required("rpm").positiveLong();
        long itpm = had != null && !c.has("itpm") ? had.itpm() : c.required("itpm").positiveLong();
        long otpm = had != null && !c.has("otpm") ? had.otpm() : c.required("otpm").positiveLong();
        boolean cacheReads = c.bool("count-cache-reads", had != null && had.countCacheReads());
        long maxOutput = c.has("max-output-tokens") ? maxOutputTokens(c.get("max-output-tokens"))
                : had != null ? had.maxOutputTokens() : ModelClass.UNCAPPED;
        b.modelClass(v.check(() -> new ModelClass(name, rpm, itpm, otpm, cacheReads, maxOutput)));
    }

    /** A whole number of at least 1, or {@code none} (or null) for no maximum. */
    private static long maxOutputTokens(Value v) throws Invalid {
        if (v.isNone()) {
            return ModelClass.UNCAPPED;
        }
        Long max = v.longOrNull();
        if (max != null && max >= 1) {
            return max;
        }
        throw v.invalid(v.name() + " must be a whole number of at least 1, or none for no maximum, not '" + v.text() + "'.");
    }

    /**
     * A class name that has limits (from the tier or {@code classes}, both read before this), so a
     * typo is reported here with its line instead of later, lineless, when the settings are built.
     */
    private static String knownClass(Value v, SimSettingsBuilder b) throws Invalid {
        String c = v.text();
        Map<String, ModelClass> classes = b.limits().classes();
        if (!classes.containsKey(c)) {
            throw v.invalid(v.name() + " draws on model class '" + c + "', which has no limits; use one of "
                    + String.join(", ", new TreeSet<>(classes.keySet())) + ", or add it under classes.");
        }
        return c;
    }

    private static void spendCap(Value v, SimSettingsBuilder b) throws Invalid {
        if (v.isScalar()) {
            b.spendCap(v.bool());
            return;
        }
        Section s = v.section(Set.of("enabled", "after-requests"));
        boolean on = s.bool("enabled", true);
        long after = s.longValue("after-requests", 0);
        s.check(() -> b.spendCap(new SimSettings.SpendCap(on, after)));
    }

    private FaultProfile faults(Value v) throws Invalid {
        Section f = v.section(FAULTS);
        List<FaultProfile.Storm> storms = new ArrayList<>();
        if (f.has("storms")) {
            Value list = f.get("storms");
            int i = 0;
            for (Node item : list.items("{from, to, probability, model}")) {
                Section st = reader.value(item, list.name() + "[" + i++ + "]").section(Set.of("from", "to", "probability", "model"));
                double from = st.required("from").number();
                double to = st.required("to").number();
                double p = st.required("probability").number();
                String model = st.has("model") ? st.get("model").text() : null;
                storms.add(st.check(() -> new FaultProfile.Storm(from, to, p, model)));
            }
        }
        int after = (int) f.positiveLong("mid-stream-after-events", 5);
        FaultProfile d = FaultProfile.NONE;
        String errorType = d.midStreamErrorType();
        if (f.has("mid-stream-error-type")) {
            Value t = f.get("mid-stream-error-type");
            errorType = t.text();
            if (!FaultProfile.MID_STREAM_ERROR_TYPES.contains(errorType)) {
                throw t.invalid(t.name() + " must be one of " + String.join(", ", FaultProfile.MID_STREAM_ERROR_TYPES)
                        + ", not '" + errorType + "'.");
            }
        }
        double retryAfter = seconds(f, "retry-after", d.retryAfterSeconds());
        if (retryAfter > 86_400) {
            throw f.get("retry-after").invalid(f.get("retry-after").name() + " must be between 0 (none) and 86400 seconds, not " + retryAfter + ".");
        }
        String type = errorType;
        return f.check(() -> new FaultProfile(prob(f, "overloaded"), prob(f, "api-error"), prob(f, "timeout-error"),
                prob(f, "connection-reset"), prob(f, "slow-headers"), seconds(f, "slow-headers-seconds", d.slowHeadersSeconds()),
                prob(f, "mid-stream-error"), after, prob(f, "stream-stall"), seconds(f, "stall-seconds", d.stallSeconds()),
                prob(f, "stream-no-stop"), prob(f, "stream-reset"), storms, prob(f, "batch-expire"), prob(f, "batch-error"),
                retryAfter, type));
    }

    /** A probability in [0, 1], checked here so that the mistake has the field's line (0 when absent). */
    private static double prob(Section f, String key) throws Invalid {
        double p = f.number(key, 0);
        if (!(p >= 0 && p <= 1)) {
            throw f.get(key).invalid(f.get(key).name() + " is a probability: between 0 and 1, not " + p + ".");
        }
        return p;
    }

    /** A duration of 0 or more seconds, checked here so that the mistake has the field's line. */
    private static double seconds(Section f, String key, double current) throws Invalid {
        double s = f.number(key, current);
        if (!(s >= 0)) {
            throw f.get(key).invalid(f.get(key).name() + " must be 0 or more, not " + s + ".");
        }
        return s;
    }
}
