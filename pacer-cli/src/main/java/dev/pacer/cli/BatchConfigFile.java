package dev.pacer.cli;

import dev.pacer.batch.Prices;
import dev.pacer.cli.PacerCommand.UsageException;
import dev.pacer.openai.OpenAiEndpoint;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.composer.Composer;
import org.snakeyaml.engine.v2.parser.ParserImpl;
import org.snakeyaml.engine.v2.scanner.StreamReader;
import org.snakeyaml.engine.v2.exceptions.MarkedYamlEngineException;
import org.snakeyaml.engine.v2.exceptions.YamlEngineException;
import org.snakeyaml.engine.v2.nodes.MappingNode;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.NodeTuple;
import org.snakeyaml.engine.v2.nodes.ScalarNode;
import org.snakeyaml.engine.v2.nodes.SequenceNode;

/**
 * {@code pacer.yaml} for {@code batch run} and {@code batch plan}: the same settings as the flags
 * (which win over it), plus limits and prices per model class, which flags cannot say:
 *
 * <pre>
 * base-url: https://api.anthropic.com
 * via: auto                      # messages, batches or auto
 * fallback:                      # models in order; another provider's as a mapping:
 *   - claude-haiku-4-5
 *   - model: openai:gpt-4o-mini
 *     base_url: https://api.openai.com/v1
 *     api_key: ${OPENAI_API_KEY}   # from the environment; never printed
 * max-cost: 25                   # USD
 * concurrency: auto              # or a number
 * window: 22:00-06:00@UTC
 * grace: 30s
 * deadline: 2026-12-01T08:00:00Z
 * limits: {rpm: 50, itpm: 30000, otpm: 8000}   # every model class, or per class:
 * classes:
 *   sonnet-4: {rpm: 50, itpm: 30000, otpm: 8000}
 * prices:                        # USD per million tokens, over the list prices
 *   sonnet-4: {input: 3, output: 15}
 * </pre>
 *
 * Every value is checked by the same rules as its flag; a mistake is one sentence naming the
 * file, the line and the setting, and nothing runs.
 */
final class BatchConfigFile {

    private static final Set<String> TOP = Set.of("base-url", "via", "fallback", "max-cost", "concurrency", "window", "grace",
            "deadline", "limits", "classes", "prices", "redis", "redis-unavailable");

    /** A setting as text (what its flag would have been given), with its line for messages. */
    record Value(String text, int line) {
    }

    final String file;
    final Map<String, Value> scalars = new LinkedHashMap<>();
    final List<String> fallback = new ArrayList<>();
    /** Other providers' models after {@link #fallback}: {@code openai:MODEL} with its base URL and key. */
    final List<OpenAiEndpoint> providerFallbacks = new ArrayList<>();
    private final Function<String, String> env;
    /** Per model class: rpm, itpm, otpm ("*" for every class). */
    final Map<String, long[]> limits = new LinkedHashMap<>();
    final Map<String, Prices.Price> prices = new LinkedHashMap<>();

    private BatchConfigFile(String file, Function<String, String> env) {
        this.file = file;
        this.env = env;
    }

    static BatchConfigFile read(Path path) {
        return read(path, System::getenv);
    }

    /** Reads {@code path}, taking {@code ${NAME}} values from {@code env}. */
    static BatchConfigFile read(Path path, Function<String, String> env) {
        String text;
        try {
            text = Files.readString(path);
        } catch (NoSuchFileException e) {
            throw new UsageException("The config file " + path + " does not exist; check the path given to --config.");
        } catch (IOException e) {
            throw new UsageException("The config file " + path + " cannot be read (" + e.getMessage() + "); check its permissions.");
        }
        BatchConfigFile config = new BatchConfigFile(path.getFileName().toString(), env);
        Optional<Node> root;
        try {
            root = composeNode(LoadSettings.builder().setLabel(config.file).build(), text);
        } catch (MarkedYamlEngineException e) {
            int line = e.getProblemMark().map(m -> m.getLine() + 1).orElse(0);
            throw new UsageException(config.file + " line " + line + ": this is not valid YAML (" + e.getProblem() + ").");
        } catch (YamlEngineException e) {
            throw new UsageException(config.file + ": this is not valid YAML (" + e.getMessage() + ").");
        }
        if (root.isPresent()) {
            config.top(root.get());
        }
        return config;
    }

    /** Checks a value with its flag's rule; the flag's sentence is kept and the place put in front. */
    <T> T check(String key, java.util.function.Function<String, T> rule) {
        Value v = scalars.get(key);
        if (v == null) {
            return null;
        }
        try {
            return rule.apply(v.text());
        } catch (UsageException e) {
            throw new UsageException(file + " line " + v.line() + ": " + key + ": " + e.getMessage());
        }
    }

    private void top(Node root) {
        MappingNode top = mapping(root, "the top level");
        for (NodeTuple t : top.getValue()) {
            String key = scalar(t.getKeyNode(), "a key");
            Node value = t.getValueNode();
            if (!TOP.contains(key)) {
                throw fail(t.getKeyNode(), "'" + key + "' is not a setting; use " + String.join(", ", new TreeSet<>(TOP)) + ".");
            }
            switch (key) {
                case "fallback" -> {
                    if (value instanceof SequenceNode seq) {
                        int i = 0;
                        for (Node m : seq.getValue()) {
                            if (m instanceof MappingNode) {
                                providerFallbacks.add(providerFallback(m, "fallback[" + i + "]"));
                            } else if (OpenAiEndpoint.names(scalar(m, "fallback"))) {
                                throw fail(m, "fallback[" + i + "] " + scalar(m, "fallback") + " needs a base_url and an api_key: write it as"
                                        + " {model: " + scalar(m, "fallback") + ", base_url: https://api.openai.com/v1, api_key: ${OPENAI_API_KEY}}.");
                            } else if (!providerFallbacks.isEmpty()) {
                                throw fail(m, "fallback[" + i + "]: the Claude models come before other providers' in the chain; move "
                                        + scalar(m, "fallback") + " up.");
                            } else {
                                fallback.add(scalar(m, "fallback"));
                            }
                            i++;
                        }
                    } else {
                        for (String m : scalar(value, "fallback").split(",")) {
                            fallback.add(m.trim());
                        }
                    }
                    if (fallback.stream().anyMatch(String::isBlank) || fallback.isEmpty() && providerFallbacks.isEmpty()) {
                        throw fail(value, "fallback must list model ids, like [claude-haiku-4-5].");
                    }
                }
                case "limits" -> limits.put("*", limits(value, "limits"));
                case "classes" -> {
                    for (NodeTuple c : mapping(value, "classes").getValue()) {
                        String name = scalar(c.getKeyNode(), "classes");
                        limits.put(name, limits(c.getValueNode(), "classes." + name));
                    }
                }
                case "prices" -> {
                    for (NodeTuple c : mapping(value, "prices").getValue()) {
                        String name = scalar(c.getKeyNode(), "prices");
                        Map<String, Node> f = fields(c.getValueNode(), "prices." + name, Set.of("input", "output"));
                        prices.put(name, new Prices.Price(usd(f, "input", c.getValueNode(), "prices." + name),
                                usd(f, "output", c.getValueNode(), "prices." + name)));
                    }
                }
                default -> scalars.put(key, new Value(scalar(value, key), line(value)));
            }
        }
    }

    /** One fallback of another provider: {@code {model: openai:MODEL, base_url: URL, api_key: KEY or ${ENV}}}. */
    private OpenAiEndpoint providerFallback(Node n, String where) {
        Map<String, Node> f = fields(n, where, Set.of("model", "base_url", "api_key", "rpm", "tpm"));
        for (String required : List.of("model", "base_url", "api_key")) {
            if (!f.containsKey(required)) {
                throw fail(n, where + "." + required + " is missing; an entry reads {model: openai:gpt-4o-mini, base_url:"
                        + " https://api.openai.com/v1, api_key: ${OPENAI_API_KEY}}.");
            }
        }
        String model = scalar(f.get("model"), where + ".model");
        if (!OpenAiEndpoint.names(model)) {
            throw fail(f.get("model"), where + ".model must name another provider's model, like openai:gpt-4o-mini, not '" + model + "'.");
        }
        String key = scalar(f.get("api_key"), where + ".api_key").trim();
        if (key.startsWith("${") && key.endsWith("}")) {
            String name = key.substring(2, key.length() - 1);
            key = env.apply(name);
            if (key == null || key.isBlank()) {
                throw fail(f.get("api_key"), where + ".api_key: the environment variable " + name + " is not set; export it.");
            }
        }
        OpenAiEndpoint endpoint;
        try {
            endpoint = OpenAiEndpoint.parse(model, scalar(f.get("base_url"), where + ".base_url"), key);
        } catch (IllegalArgumentException e) {
            throw fail(n, where + ": " + e.getMessage());
        }
        long rpm = f.containsKey("rpm") ? positive(f.get("rpm"), where + ".rpm") : 0;
        long tpm = f.containsKey("tpm") ? positive(f.get("tpm"), where + ".tpm") : 0;
        return rpm > 0 || tpm > 0 ? endpoint.withLimits(rpm, tpm) : endpoint;
    }

    private long positive(Node v, String where) {
        try {
            long n = Long.parseLong(scalar(v, where).replace("_", ""));
            if (n >= 1) {
                return n;
            }
        } catch (NumberFormatException ignored) {
            // below
        }
        throw fail(v, where + " must be a whole number of at least 1.");
    }

    private long[] limits(Node n, String where) {
        Map<String, Node> f = fields(n, where, Set.of("rpm", "itpm", "otpm"));
        long[] l = new long[3];
        String[] names = {"rpm", "itpm", "otpm"};
        for (int i = 0; i < 3; i++) {
            Node v = f.get(names[i]);
            if (v == null) {
                throw fail(n, where + " needs rpm, itpm and otpm, like {rpm: 50, itpm: 30000, otpm: 8000}; " + names[i] + " is missing.");
            }
            try {
                l[i] = Long.parseLong(scalar(v, where + "." + names[i]).replace("_", ""));
            } catch (NumberFormatException e) {
                l[i] = 0;
            }
            if (l[i] < 1) {
                throw fail(v, where + "." + names[i] + " must be a whole number of at least 1.");
            }
        }
        return l;
    }

    private double usd(Map<String, Node> f, String key, Node parent, String where) {
        Node v = f.get(key);
        if (v == null) {
            throw fail(parent, where + " needs input and output in USD per million tokens, like {input: 3, output: 15}.");
        }
        try {
            double d = Double.parseDouble(scalar(v, where + "." + key));
            if (d >= 0 && !Double.isInfinite(d)) {
                return d;
            }
        } catch (NumberFormatException ignored) {
            // below
        }
        throw fail(v, where + "." + key + " must be USD per million tokens, 0 or more, like 3 or 0.8.");
    }

    private Map<String, Node> fields(Node n, String where, Set<String> allowed) {
        Map<String, Node> out = new LinkedHashMap<>();
        for (NodeTuple t : mapping(n, where).getValue()) {
            String key = scalar(t.getKeyNode(), where);
            if (!allowed.contains(key)) {
                throw fail(t.getKeyNode(), where + ": '" + key + "' is not allowed; use " + String.join(", ", new TreeSet<>(allowed)) + ".");
            }
            out.put(key, t.getValueNode());
        }
        return out;
    }

    private MappingNode mapping(Node n, String where) {
        if (n instanceof MappingNode m) {
            return m;
        }
        throw fail(n, where + " must be a mapping of settings (key: value).");
    }

    private String scalar(Node n, String where) {
        if (n instanceof ScalarNode s) {
            return s.getValue();
        }
        throw fail(n, where + " must be a single value.");
    }

    private static int line(Node n) {
        return n.getStartMark().map(m -> m.getLine() + 1).orElse(0);
    }

    private UsageException fail(Node n, String message) {
        return new UsageException(file + " line " + line(n) + ": " + message);
    }

    /** The document's root node, through the exported composer API (the lowlevel package is not exported to modules). */
    private static java.util.Optional<org.snakeyaml.engine.v2.nodes.Node> composeNode(LoadSettings settings, String text) {
        return new Composer(settings, new ParserImpl(settings, new StreamReader(settings, text))).getSingleNode();
    }
}
