package dev.pacer.gateway.internal;

import dev.pacer.gateway.GatewayConfigFile.Invalid;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.composer.Composer;
import org.snakeyaml.engine.v2.exceptions.MarkedYamlEngineException;
import org.snakeyaml.engine.v2.exceptions.YamlEngineException;
import org.snakeyaml.engine.v2.nodes.MappingNode;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.NodeTuple;
import org.snakeyaml.engine.v2.nodes.ScalarNode;
import org.snakeyaml.engine.v2.nodes.SequenceNode;
import org.snakeyaml.engine.v2.parser.ParserImpl;
import org.snakeyaml.engine.v2.scanner.StreamReader;

/**
 * One node of a gateway config, named by its full setting ({@code timeouts.idle},
 * {@code keys[2].budget-usd}) and its line, so every mistake is one sentence
 * {@code "<file> line <n>: <setting> must be ..."}. Scalars have {@code ${NAME}} replaced by the
 * environment variable NAME (a missing one is a mistake naming both). The simulator reads its
 * {@code sim.yaml} the same way (snakeyaml-engine's composer, which keeps line numbers).
 */
public final class ConfigNode {

    private static final Pattern ENV = Pattern.compile("\\$\\{([A-Za-z_][A-Za-z0-9_]*)}");
    private static final Pattern DURATION = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*(ms|s|m|h)?");
    private static final Pattern SIZE = Pattern.compile("(\\d+)\\s*(b|kb|kib|mb|mib|gb|gib)?");

    private final String file;
    private final Node node;
    private final String name;
    private final Function<String, String> env;

    private ConfigNode(String file, Node node, String name, Function<String, String> env) {
        this.file = file;
        this.node = node;
        this.name = name;
        this.env = env;
    }

    /** The root of {@code text}, or null for an empty document. */
    public static ConfigNode root(String file, String text, Function<String, String> env) throws Invalid {
        try {
            LoadSettings settings = LoadSettings.builder().setLabel(file).build();
            Node root = new Composer(settings, new ParserImpl(settings, new StreamReader(settings, text))).getSingleNode().orElse(null);
            return root == null ? null : new ConfigNode(file, root, "the top level", env);
        } catch (MarkedYamlEngineException e) {
            int line = e.getProblemMark().map(m -> m.getLine() + 1).orElse(0);
            throw new Invalid(file + " line " + line + ": this is not valid YAML (" + e.getProblem() + ").");
        } catch (YamlEngineException e) {
            throw new Invalid(file + ": this is not valid YAML (" + e.getMessage() + ").");
        }
    }

    public String name() {
        return name;
    }

    /** A mistake at this node. */
    public Invalid invalid(String message) {
        int line = node.getStartMark().map(m -> m.getLine() + 1).orElse(0);
        return new Invalid(file + " line " + line + ": " + message);
    }

    /** The entries of this mapping, each key one of {@code allowed}. */
    public Map<String, ConfigNode> section(Set<String> allowed) throws Invalid {
        Map<String, ConfigNode> out = new LinkedHashMap<>();
        for (Map.Entry<String, ConfigNode> e : entries().entrySet()) {
            if (!allowed.contains(e.getKey())) {
                throw e.getValue().invalid("unknown setting '" + e.getValue().name + "'; allowed " + (name.equals("the top level") ? "there" : "in " + name)
                        + ": " + String.join(", ", new TreeSet<>(allowed)) + ".");
            }
            out.put(e.getKey(), e.getValue());
        }
        return out;
    }

    /** Whether this node is a mapping (rather than a single value or a list). */
    public boolean isMapping() {
        return node instanceof MappingNode;
    }

    /** The entries of a mapping with free keys (model classes). */
    public Map<String, ConfigNode> entries() throws Invalid {
        if (!(node instanceof MappingNode m)) {
            throw invalid(name + " must be a mapping of name: value pairs.");
        }
        Map<String, ConfigNode> out = new LinkedHashMap<>();
        String prefix = name.equals("the top level") ? "" : name + ".";
        for (NodeTuple t : m.getValue()) {
            if (!(t.getKeyNode() instanceof ScalarNode k)) {
                throw invalid(name + " must have plain names as keys.");
            }
            out.put(k.getValue(), new ConfigNode(file, t.getValueNode(), prefix + k.getValue(), env));
        }
        return out;
    }

    /** The items of a list. */
    public List<ConfigNode> items() throws Invalid {
        if (!(node instanceof SequenceNode seq)) {
            throw invalid(name + " must be a list.");
        }
        List<ConfigNode> out = new ArrayList<>();
        for (int i = 0; i < seq.getValue().size(); i++) {
            out.add(new ConfigNode(file, seq.getValue().get(i), name + "[" + i + "]", env));
        }
        return out;
    }

    /** This scalar as text, {@code ${ENV}} replaced. */
    public String text() throws Invalid {
        if (!(node instanceof ScalarNode s)) {
            throw invalid(name + " must be a single value.");
        }
        Matcher m = ENV.matcher(s.getValue());
        StringBuilder sb = new StringBuilder();
        while (m.find()) {
            String value = env.apply(m.group(1));
            if (value == null) {
                throw invalid(name + " uses ${" + m.group(1) + "}, which is not set in the environment; set it or write the value.");
            }
            m.appendReplacement(sb, Matcher.quoteReplacement(value));
        }
        m.appendTail(sb);
        return sb.toString();
    }

    /** A whole number from {@code min} to {@code max}. */
    public long number(long min, long max) throws Invalid {
        String t = text().trim().replace("_", "");
        try {
            long n = Long.parseLong(t);
            if (n >= min && n <= max) {
                return n;
            }
        } catch (NumberFormatException ignored) {
            // said below
        }
        throw invalid(name + " must be a whole number from " + min + " to " + max + ", not '" + t + "'.");
    }

    /** A non-negative amount. */
    public double amount() throws Invalid {
        String t = text().trim();
        try {
            double d = Double.parseDouble(t);
            if (d >= 0 && Double.isFinite(d)) {
                return d;
            }
        } catch (NumberFormatException ignored) {
            // said below
        }
        throw invalid(name + " must be a number of 0 or more, not '" + t + "'.");
    }

    /** A duration: {@code 500ms}, {@code 10s}, {@code 2m}, {@code 1h}, or a number of seconds. */
    public Duration duration() throws Invalid {
        String t = text().trim().toLowerCase(Locale.ROOT);
        Matcher m = DURATION.matcher(t);
        if (m.matches()) {
            double n = Double.parseDouble(m.group(1));
            String unit = m.group(2) == null ? "s" : m.group(2);
            double ms = switch (unit) {
                case "ms" -> n;
                case "m" -> n * 60_000;
                case "h" -> n * 3_600_000;
                default -> n * 1000;
            };
            return Duration.ofMillis((long) ms);
        }
        throw invalid(name + " must be a duration such as 500ms, 10s, 2m or 1h, not '" + t + "'.");
    }

    /** A size in bytes: {@code 32MiB}, {@code 512kb}, or a number of bytes. */
    public long size() throws Invalid {
        String t = text().trim().toLowerCase(Locale.ROOT);
        Matcher m = SIZE.matcher(t);
        if (m.matches()) {
            long n = Long.parseLong(m.group(1));
            String unit = m.group(2) == null ? "b" : m.group(2);
            return n * switch (unit) {
                case "kb" -> 1000L;
                case "kib" -> 1024L;
                case "mb" -> 1000_000L;
                case "mib" -> 1024L * 1024;
                case "gb" -> 1000_000_000L;
                case "gib" -> 1024L * 1024 * 1024;
                default -> 1L;
            };
        }
        throw invalid(name + " must be a size such as 32MiB, 512KiB or a number of bytes, not '" + t + "'.");
    }

    /** One of {@code allowed}, in lower case. */
    public String oneOf(Set<String> allowed) throws Invalid {
        String t = text().trim().toLowerCase(Locale.ROOT);
        if (!allowed.contains(t)) {
            throw invalid(name + " must be one of " + String.join(", ", new TreeSet<>(allowed)) + ", not '" + t + "'.");
        }
        return t;
    }

    /** Runs a setting's own check, its {@link IllegalArgumentException} given this node's line. */
    public <T> T check(java.util.function.Supplier<T> make) throws Invalid {
        try {
            return make.get();
        } catch (IllegalArgumentException e) {
            throw invalid(e.getMessage());
        }
    }
}
