package dev.pacer.sim;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Which model ids the simulator serves and the class (limit pool) each draws from. An unknown id
 * gets 404 {@code not_found_error}, as from the API, unless a default class is set. Immutable.
 */
public final class ModelTable {

    private final Map<String, String> classByModel;
    private final String defaultClass;

    private ModelTable(Map<String, String> classByModel, String defaultClass) {
        this.classByModel = Collections.unmodifiableMap(classByModel);
        this.defaultClass = defaultClass;
    }

    /** The ids of the API reference (late 2026) and their pools: Opus 4.x and Sonnet 4.x pooled, newer models alone. */
    public static ModelTable defaults() {
        Map<String, String> m = new LinkedHashMap<>();
        for (String id : new String[] {"claude-opus-4-8", "claude-opus-4-7", "claude-opus-4-6", "claude-opus-4-5",
                "claude-opus-4-5-20251101", "claude-opus-4-1", "claude-opus-4-1-20250805", "claude-opus-4-0", "claude-opus-4-20250514"}) {
            m.put(id, "opus-4");
        }
        for (String id : new String[] {"claude-sonnet-4-6", "claude-sonnet-4-5", "claude-sonnet-4-5-20250929", "claude-sonnet-4-0",
                "claude-sonnet-4-20250514"}) {
            m.put(id, "sonnet-4");
        }
        m.put("claude-haiku-4-5", "haiku-4-5");
        m.put("claude-haiku-4-5-20251001", "haiku-4-5");
        m.put("claude-3-5-haiku-20241022", "haiku-3-5");
        m.put("claude-3-5-haiku-latest", "haiku-3-5");
        for (String id : new String[] {"claude-opus-5-5", "claude-opus-5", "claude-sonnet-5-5", "claude-sonnet-5", "claude-haiku-5-5",
                "claude-fable-5", "claude-fable-5-1", "claude-mythos-5", "claude-mythos-5-1", "claude-mythos-5-2", "claude-mythos-preview"}) {
            m.put(id, id.substring("claude-".length()));
        }
        return new ModelTable(m, null);
    }

    /**
     * The maximum output ({@code max_tokens}) of the default classes, where every model in the class
     * has the same one, from the models' pages (platform.claude.com, late 2026): Haiku 3.5 8,192;
     * Haiku 4.5 64K; the 5.x models (and Mythos 5, which shares Fable 5's specifications) 128K.
     * {@link ModelClass#UNCAPPED} for {@code opus-4} and {@code sonnet-4}, whose pooled models
     * differ (Opus 4 and 4.1 32K, Opus 4.5 64K, Opus 4.6 and later 128K; Sonnet 4 and 4.5 64K,
     * Sonnet 4.6 128K), and for the Mythos ids whose figure was not found.
     */
    public static long defaultMaxOutputTokens(String modelClass) {
        return switch (modelClass) {
            case "haiku-3-5" -> 8_192;
            case "haiku-4-5" -> 64_000;
            case "opus-5", "opus-5-5", "sonnet-5", "sonnet-5-5", "haiku-5-5", "fable-5", "fable-5-1", "mythos-5" -> 128_000;
            default -> ModelClass.UNCAPPED;
        };
    }

    /** This table with {@code model} drawing from {@code modelClass}. */
    public ModelTable with(String model, String modelClass) {
        Map<String, String> m = new LinkedHashMap<>(classByModel);
        m.put(model.toLowerCase(Locale.ROOT), modelClass);
        return new ModelTable(m, defaultClass);
    }

    /** This table serving unknown ids from {@code modelClass} instead of answering 404 (null: 404). */
    public ModelTable withDefaultClass(String modelClass) {
        return new ModelTable(new LinkedHashMap<>(classByModel), modelClass);
    }

    /** The class of {@code model}, or null when it is unknown and there is no default class. */
    public String classOf(String model) {
        String c = classByModel.get(model.toLowerCase(Locale.ROOT));
        return c != null ? c : defaultClass;
    }

    /** The known ids, in order. */
    public Set<String> models() {
        return classByModel.keySet();
    }

    /** The default class, or null. */
    public String defaultClass() {
        return defaultClass;
    }

    /** Every class a model maps to. */
    public Set<String> classes() {
        Set<String> s = new LinkedHashSet<>(classByModel.values());
        if (defaultClass != null) {
            s.add(defaultClass);
        }
        return s;
    }

    /**
     * Whether {@code selector} names {@code model}: its id, its class, or its family (the class's
     * first word, as {@code opus} for {@code opus-4} and {@code opus-5}).
     */
    public boolean matches(String selector, String model) {
        if (selector == null) {
            return true;
        }
        String s = selector.toLowerCase(Locale.ROOT);
        String c = classOf(model);
        return s.equals(model.toLowerCase(Locale.ROOT)) || (c != null && (s.equals(c) || c.startsWith(s + "-")));
    }
}
