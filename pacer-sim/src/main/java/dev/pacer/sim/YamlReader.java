package dev.pacer.sim;

import dev.pacer.sim.SimConfigFile.Invalid;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
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
import org.snakeyaml.engine.v2.nodes.Tag;

/**
 * Typed reads of one YAML (or JSON) text that know where each node is: every mistake becomes one
 * {@link Invalid} sentence {@code "<file> line <n>: <setting> must be ..."}. A {@link Value} is a
 * node with the full name of its setting ({@code latency.ttft}, {@code classes.sonnet-4.rpm}), and
 * a {@link Section} a mapping with the keys it allows, whose values are named under it; so no
 * message spells a setting's name by hand, and a section reads a field, or keeps the current
 * figure when the field is absent, in one call.
 */
final class YamlReader {

    /** Something that may throw an {@link IllegalArgumentException} (its own check) or {@link Invalid}. */
    interface Checked<T> {
        T get() throws Invalid;
    }

    /** Reads a present value. */
    interface Use {
        void accept(Value v) throws Invalid;
    }

    /** Turns text into a value, throwing an {@link IllegalArgumentException} worded for the user. */
    interface Parser<T> {
        T parse(String text);
    }

    private final String file;

    YamlReader(String file) {
        this.file = file;
    }

    /** The root node of {@code text}; empty for an empty document. */
    Optional<Node> compose(String text) throws Invalid {
        try {
            return composeNode(LoadSettings.builder().setLabel(file).build(), text);
        } catch (MarkedYamlEngineException e) {
            int line = e.getProblemMark().map(m -> m.getLine() + 1).orElse(0);
            throw new Invalid(file + " line " + line + ": this is not valid YAML (" + e.getProblem() + ").");
        } catch (YamlEngineException e) {
            throw new Invalid(file + ": this is not valid YAML (" + e.getMessage() + ").");
        }
    }

    /** The top level: a mapping whose settings are named by their key alone. */
    Section top(Node root, Set<String> allowed) throws Invalid {
        return new Section(root, "the top level", "", allowed);
    }

    /** {@code node} read as the setting {@code name}. */
    Value value(Node node, String name) {
        return new Value(node, name);
    }

    Invalid at(Node node, String message) {
        int line = node.getStartMark().map(m -> m.getLine() + 1).orElse(0);
        return new Invalid(file + " line " + line + ": " + message);
    }

    /** Runs {@code make}; the {@link IllegalArgumentException} of a setting's own check gets {@code node}'s line. */
    <T> T check(Node node, Checked<T> make) throws Invalid {
        try {
            return make.get();
        } catch (IllegalArgumentException e) {
            throw at(node, e.getMessage());
        }
    }

    private MappingNode mapping(Node node, String name) throws Invalid {
        if (node instanceof MappingNode m) {
            return m;
        }
        throw at(node, name + " must be a mapping of name: value pairs.");
    }

    private String scalar(Node node, String name) throws Invalid {
        if (node instanceof ScalarNode s) {
            return s.getValue();
        }
        throw at(node, name + " must be a single value.");
    }

    /** One node, read as the setting {@code name}. */
    final class Value {
        private final Node node;
        private final String name;

        private Value(Node node, String name) {
            this.node = node;
            this.name = name;
        }

        String name() {
            return name;
        }

        Invalid invalid(String message) {
            return at(node, message);
        }

        /** Runs {@code make}; a setting's own {@link IllegalArgumentException} gets this node's line. */
        <T> T check(Checked<T> make) throws Invalid {
            return YamlReader.this.check(node, make);
        }

        /** This mapping, allowing only {@code allowed} keys, each named {@code <name>.<key>}. */
        Section section(Set<String> allowed) throws Invalid {
            return new Section(node, name, name + ".", allowed);
        }

        /** The entries of a mapping with free keys (class names, model ids), each named {@code <name>.<key>}. */
        Map<String, Value> entries() throws Invalid {
            Map<String, Value> out = new LinkedHashMap<>();
            for (NodeTuple t : mapping(node, name).getValue()) {
                String key = scalar(t.getKeyNode(), name);
                out.put(key, new Value(t.getValueNode(), name + "." + key));
            }
            return out;
        }

        /** The items of a list; anything else is a mistake saying it must be a list of {@code shape}. */
        List<Node> items(String shape) throws Invalid {
            if (node instanceof SequenceNode seq) {
                return seq.getValue();
            }
            throw at(node, name + " must be a list of " + shape + ".");
        }

        String text() throws Invalid {
            return scalar(node, name);
        }

        /** The text, turned into a value by {@code parser}, whose message gets this node's line. */
        <T> T parse(Parser<T> parser) throws Invalid {
            String text = text();
            return check(() -> parser.parse(text));
        }

        boolean isScalar() {
            return node instanceof ScalarNode;
        }

        /** A YAML null, or the word {@code none}. */
        boolean isNone() {
            return node instanceof ScalarNode s && (s.getTag().equals(Tag.NULL) || s.getValue().equalsIgnoreCase("none"));
        }

        long longValue() throws Invalid {
            try {
                return Long.parseLong(digits());
            } catch (NumberFormatException e) {
                throw at(node, name + " must be a whole number, not '" + text() + "'.");
            }
        }

        /** A whole number, or null when it is not one (for a caller with its own sentence). */
        Long longOrNull() throws Invalid {
            try {
                return Long.parseLong(digits());
            } catch (NumberFormatException e) {
                return null;
            }
        }

        private String digits() throws Invalid {
            return text().replace("_", "").replace(",", "");
        }

        long positiveLong() throws Invalid {
            long v = longValue();
            if (v < 1) {
                throw at(node, name + " must be at least 1, not " + v + ".");
            }
            return v;
        }

        double number() throws Invalid {
            double v;
            try {
                v = Double.parseDouble(text().replace("_", ""));
            } catch (NumberFormatException e) {
                throw at(node, name + " must be a number, not '" + text() + "'.");
            }
            // Java reads "Infinity", "NaN" and "1e999" as numbers; an endless latency or window is never meant.
            if (!Double.isFinite(v)) {
                throw at(node, name + " must be a finite number, not '" + text() + "'.");
            }
            return v;
        }

        boolean bool() throws Invalid {
            String v = text();
            return switch (v.toLowerCase(Locale.ROOT)) {
                case "true", "yes", "on" -> true;
                case "false", "no", "off" -> false;
                default -> throw at(node, name + " must be true or false, not '" + v + "'.");
            };
        }
    }

    /** A mapping of settings: each key allowed and set once, each value named {@code <prefix><key>}. */
    final class Section {
        private final Node node;
        private final String name;
        private final String prefix;
        private final Map<String, Value> fields = new LinkedHashMap<>();

        private Section(Node node, String name, String prefix, Set<String> allowed) throws Invalid {
            this.node = node;
            this.name = name;
            this.prefix = prefix;
            for (NodeTuple t : mapping(node, name).getValue()) {
                String key = scalar(t.getKeyNode(), name);
                if (!allowed.contains(key)) {
                    throw at(t.getKeyNode(), "'" + key + "' is not a setting of " + name + "; allowed: "
                            + String.join(", ", new TreeSet<>(allowed)) + ".");
                }
                if (fields.put(key, new Value(t.getValueNode(), prefix + key)) != null) {
                    throw at(t.getKeyNode(), "'" + key + "' is set twice in " + name + "; keep one.");
                }
            }
        }

        boolean has(String key) {
            return fields.containsKey(key);
        }

        /** The value of {@code key}, or null when absent. */
        Value get(String key) {
            return fields.get(key);
        }

        /** The value of {@code key}; absent, a mistake at this section's line. */
        Value required(String key) throws Invalid {
            Value v = fields.get(key);
            if (v == null) {
                throw at(node, prefix + key + " is missing.");
            }
            return v;
        }

        /** Reads {@code key} with {@code use} when it is present. */
        void with(String key, Use use) throws Invalid {
            Value v = fields.get(key);
            if (v != null) {
                use.accept(v);
            }
        }

        /** Runs {@code make}; a setting's own {@link IllegalArgumentException} gets this section's line. */
        <T> T check(Checked<T> make) throws Invalid {
            return YamlReader.this.check(node, make);
        }

        double number(String key, double current) throws Invalid {
            return has(key) ? get(key).number() : current;
        }

        long longValue(String key, long current) throws Invalid {
            return has(key) ? get(key).longValue() : current;
        }

        long positiveLong(String key, long current) throws Invalid {
            return has(key) ? get(key).positiveLong() : current;
        }

        boolean bool(String key, boolean current) throws Invalid {
            return has(key) ? get(key).bool() : current;
        }
    }

    /** The document's root node, through the exported composer API (the lowlevel package is not exported to modules). */
    private static java.util.Optional<org.snakeyaml.engine.v2.nodes.Node> composeNode(LoadSettings settings, String text) {
        return new Composer(settings, new ParserImpl(settings, new StreamReader(settings, text))).getSingleNode();
    }
}
