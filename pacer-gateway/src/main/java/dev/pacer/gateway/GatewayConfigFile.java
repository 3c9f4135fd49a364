package dev.pacer.gateway;

import dev.pacer.anthropic.ApiKey;
import dev.pacer.gateway.internal.ConfigNode;
import dev.pacer.quota.Priority;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * Reads the gateway's YAML config ({@code pacer.yaml}) over a builder's settings. Every mistake is
 * one sentence naming the file, line, setting and what it may be. {@code ${NAME}} in any value is the
 * environment variable NAME. Upstream keys never come from the file itself: it names an environment
 * variable ({@code api-key-env}) or a file ({@code api-key-file}); gateway keys are stored only as
 * their SHA-256 ({@code hash: sha256:<hex>}, see {@code pacer gateway --hash-key}).
 *
 * <pre>
 * listen: {host: 127.0.0.1, port: 8080}
 * upstream: {url: https://api.anthropic.com, api-key-env: ANTHROPIC_API_KEY}
 * fallback: [claude-haiku-4-5]
 * limits: {sonnet-4: {rpm: 50, itpm: 30000, otpm: 8000}}
 * keys:
 *   - {name: team-a, hash: "sha256:...", priority: interactive, limits: {rpm: 20}, budget-usd: 25}
 * timeouts: {header: 10s, idle: 120s, body: 60s, default-deadline: 60s, grace: 30s}
 * body-limit: 32MiB
 * public-url: https://llm.example.com   # optional: where clients reach the gateway (a batch's results_url)
 * trust-forwarded-headers: false        # true behind a proxy that sets Forwarded / X-Forwarded-Proto/-Host
 * </pre>
 */
public final class GatewayConfigFile {

    /** A config that cannot be used, with the sentence that says why. */
    public static final class Invalid extends Exception {
        public Invalid(String message) {
            super(message, null, false, false);
        }
    }

    private static final Set<String> TOP = Set.of("listen", "upstream", "fallback", "limits", "keys", "timeouts", "body-limit",
            "public-url", "trust-forwarded-headers");
    private static final Set<String> PRIORITIES = Set.of("interactive", "normal", "bulk");

    private GatewayConfigFile() {
    }

    /** Reads {@code path} over {@code base}, with the process's environment. */
    public static GatewaySettings read(Path path, GatewaySettings.Builder base) throws Invalid {
        String text;
        try {
            text = Files.readString(path, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new Invalid(path + " cannot be read (" + e.getClass().getSimpleName() + "); check the path given to --config.");
        }
        return parse(path.getFileName().toString(), text, base, System::getenv);
    }

    /** {@code {model: openai:MODEL, base_url: URL, api_key: ${OPENAI_API_KEY}}}: another provider's model to fall back to. */
    private static dev.pacer.openai.OpenAiEndpoint providerFallback(ConfigNode m) throws Invalid {
        Map<String, ConfigNode> f = m.section(Set.of("model", "base_url", "api_key"));
        for (String required : List.of("model", "base_url", "api_key")) {
            if (!f.containsKey(required)) {
                throw m.invalid(m.name() + " needs " + required + " (e.g. {model: openai:gpt-4o-mini, base_url: https://api.openai.com/v1,"
                        + " api_key: ${OPENAI_API_KEY}}).");
            }
        }
        String model = f.get("model").text().trim();
        String url = f.get("base_url").text().trim();
        String key = f.get("api_key").text().trim();
        try {
            return dev.pacer.openai.OpenAiEndpoint.parse(model, url, key);
        } catch (IllegalArgumentException e) {
            throw f.get("model").invalid(m.name() + ": " + e.getMessage());
        }
    }

    /** Reads {@code text} (named {@code file} in messages) over {@code base}. */
    public static GatewaySettings parse(String file, String text, GatewaySettings.Builder base, Function<String, String> env) throws Invalid {
        ConfigNode root = ConfigNode.root(file, text, env);
        if (root == null) {
            return build(file, base);
        }
        for (Map.Entry<String, ConfigNode> e : root.section(TOP).entrySet()) {
            ConfigNode v = e.getValue();
            switch (e.getKey()) {
                case "listen" -> listen(v, base);
                case "upstream" -> upstream(v, base, env);
                case "fallback" -> {
                    List<String> models = new ArrayList<>();
                    List<dev.pacer.openai.OpenAiEndpoint> others = new ArrayList<>();
                    for (ConfigNode m : v.items()) {
                        if (m.isMapping()) {
                            others.add(providerFallback(m));
                        } else if (!others.isEmpty()) {
                            throw m.invalid(m.name() + ": a Claude model cannot come after another provider's; put the Claude"
                                    + " models first.");
                        } else {
                            models.add(m.text().trim());
                        }
                    }
                    base.fallbackModels(models);
                    base.providerFallbacks(others);
                }
                case "limits" -> {
                    for (Map.Entry<String, ConfigNode> c : v.entries().entrySet()) {
                        long[] l = limits(c.getValue());
                        base.limit(c.getKey(), c.getValue().check(() -> new GatewaySettings.ClassLimits(l[0], l[1], l[2])));
                    }
                }
                case "keys" -> keys(v, base);
                case "timeouts" -> timeouts(v, base);
                case "body-limit" -> {
                    long size = v.size();
                    if (size < 1024 || size > 1L << 31) {
                        throw v.invalid("body-limit must be between 1KiB and 2GiB.");
                    }
                    base.bodyLimit(size);
                }
                case "public-url" -> {
                    String url = v.text().trim();
                    v.check(() -> GatewaySettings.builder().publicUrl(url).build()); // its line in the message
                    base.publicUrl(url);
                }
                case "trust-forwarded-headers" -> base.trustForwardedHeaders(v.oneOf(Set.of("true", "false")).equals("true"));
                default -> throw new IllegalStateException(e.getKey());
            }
        }
        return build(file, base);
    }

    private static GatewaySettings build(String file, GatewaySettings.Builder base) throws Invalid {
        try {
            return base.build();
        } catch (IllegalArgumentException e) {
            throw new Invalid(file + ": " + e.getMessage());
        }
    }

    private static void listen(ConfigNode v, GatewaySettings.Builder b) throws Invalid {
        String host = b.listen().host();
        int port = b.listen().port();
        for (Map.Entry<String, ConfigNode> e : v.section(Set.of("host", "port")).entrySet()) {
            if (e.getKey().equals("host")) {
                host = e.getValue().text().trim();
            } else {
                port = (int) e.getValue().number(0, 65_535);
            }
        }
        b.listen(host, port);
    }

    private static void upstream(ConfigNode v, GatewaySettings.Builder b, Function<String, String> env) throws Invalid {
        String url = b.upstream().baseUrl();
        ApiKey key = b.upstream().apiKey();
        for (Map.Entry<String, ConfigNode> e : v.section(Set.of("url", "api-key-env", "api-key-file", "api-key")).entrySet()) {
            ConfigNode n = e.getValue();
            switch (e.getKey()) {
                case "url" -> url = n.text().trim();
                case "api-key" -> throw n.invalid("upstream.api-key is not taken from the file itself; name an environment variable"
                        + " (api-key-env: ANTHROPIC_API_KEY) or a file (api-key-file: /run/secrets/anthropic).");
                case "api-key-env" -> {
                    String var = n.text().trim();
                    String secret = env.apply(var);
                    if (secret == null || secret.isBlank()) {
                        throw n.invalid("upstream.api-key-env names " + var + ", which is not set in the environment; export it.");
                    }
                    key = ApiKey.of(secret.trim());
                }
                case "api-key-file" -> {
                    Path p = Path.of(n.text().trim());
                    try {
                        key = ApiKey.of(Files.readString(p, StandardCharsets.UTF_8).trim());
                    } catch (IOException | IllegalArgumentException e2) {
                        throw n.invalid("upstream.api-key-file " + p + " cannot be read, or is empty; check the path.");
                    }
                }
                default -> throw new IllegalStateException(e.getKey());
            }
        }
        String u = url;
        ApiKey k = key;
        b.upstream(v.check(() -> new GatewaySettings.Upstream(u, k, b.upstream().fallbackKey())));
    }

    private static long[] limits(ConfigNode v) throws Invalid {
        long[] l = new long[3];
        for (Map.Entry<String, ConfigNode> e : v.section(Set.of("rpm", "itpm", "otpm")).entrySet()) {
            long n = e.getValue().number(0, 1_000_000_000_000L);
            switch (e.getKey()) {
                case "rpm" -> l[0] = n;
                case "itpm" -> l[1] = n;
                default -> l[2] = n;
            }
        }
        return l;
    }

    private static void keys(ConfigNode v, GatewaySettings.Builder b) throws Invalid {
        List<VirtualKey> keys = new ArrayList<>();
        for (ConfigNode item : v.items()) {
            Map<String, ConfigNode> f = item.section(Set.of("name", "hash", "priority", "limits", "budget-usd"));
            if (!f.containsKey("name") || !f.containsKey("hash")) {
                throw item.invalid(item.name() + " needs a name and a hash (hash: \"sha256:<hex>\", from 'pacer gateway --hash-key').");
            }
            String name = f.get("name").text().trim();
            String hash = f.get("hash").text().trim();
            if (!hash.startsWith("sha256:")) {
                throw f.get("hash").invalid(item.name() + ".hash must be sha256:<64 hex digits> (the key itself is never stored);"
                        + " make one with 'pacer gateway --hash-key'.");
            }
            Priority priority = f.containsKey("priority")
                    ? Priority.valueOf(f.get("priority").oneOf(PRIORITIES).toUpperCase(java.util.Locale.ROOT)) : Priority.NORMAL;
            long[] l = f.containsKey("limits") ? limits(f.get("limits")) : new long[3];
            double budget = f.containsKey("budget-usd") ? f.get("budget-usd").amount() : 0;
            keys.add(item.check(() -> new VirtualKey(name, hash.substring(7), priority, l[0], l[1], l[2], budget)));
        }
        b.keys(keys);
    }

    private static void timeouts(ConfigNode v, GatewaySettings.Builder b) throws Invalid {
        GatewaySettings.Timeouts t = b.timeouts();
        Duration header = t.header();
        Duration idle = t.idle();
        Duration body = t.body();
        Duration deadline = t.defaultDeadline();
        Duration grace = t.grace();
        for (Map.Entry<String, ConfigNode> e : v.section(Set.of("header", "idle", "body", "default-deadline", "grace")).entrySet()) {
            Duration d = e.getValue().duration();
            switch (e.getKey()) {
                case "header" -> header = d;
                case "idle" -> idle = d;
                case "body" -> body = d;
                case "default-deadline" -> deadline = d;
                default -> grace = d;
            }
        }
        Duration h = header;
        Duration i = idle;
        Duration bo = body;
        Duration de = deadline;
        Duration g = grace;
        b.timeouts(v.check(() -> new GatewaySettings.Timeouts(h, i, bo, de, g)));
    }
}
