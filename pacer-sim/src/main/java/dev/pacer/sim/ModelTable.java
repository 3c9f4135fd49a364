package dev.pacer.sim;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Which model ids the simulator serves and the class (limit pool) each draws from. Unknown ids
 * get 404 {@code not_found_error}, as from the API, unless a default class is configured.
 */
public final class ModelTable {

    private final Map<String, String> classByModel = new LinkedHashMap<>();
    private final Map<String, String> displayNames = new LinkedHashMap<>();
    private String defaultClass;

    /** The ids of the reference's appendix (late 2026) and their pools. */
    public static ModelTable defaults() {
        ModelTable t = new ModelTable();
        for (String id : new String[] {"claude-opus-5-5", "claude-opus-5", "claude-opus-4-8", "claude-opus-4-7",
                "claude-opus-4-6", "claude-opus-4-5", "claude-opus-4-5-20251101", "claude-opus-4-1", "claude-opus-4-0"}) {
            t.put(id, "opus");
        }
        for (String id : new String[] {"claude-sonnet-5-5", "claude-sonnet-5", "claude-sonnet-4-6", "claude-sonnet-4-5",
                "claude-sonnet-4-5-20250929", "claude-sonnet-4-0", "claude-sonnet-4-20250514"}) {
            t.put(id, "sonnet");
        }
        for (String id : new String[] {"claude-haiku-5-5", "claude-haiku-4-5", "claude-haiku-4-5-20251001"}) {
            t.put(id, "haiku");
        }
        t.put("claude-3-5-haiku-20241022", "haiku-3-5");
        t.put("claude-3-5-haiku-latest", "haiku-3-5");
        return t;
    }

    /** Adds or replaces a model id. */
    public ModelTable put(String model, String modelClass) {
        classByModel.put(model.toLowerCase(Locale.ROOT), modelClass);
        displayNames.put(model.toLowerCase(Locale.ROOT), model);
        return this;
    }

    /** Serves unknown ids from this class instead of answering 404 (null: 404). */
    public ModelTable defaultClass(String modelClass) {
        this.defaultClass = modelClass;
        return this;
    }

    /** The class of {@code model}, or null when unknown and no default is set. */
    public String classOf(String model) {
        String c = classByModel.get(model.toLowerCase(Locale.ROOT));
        return c != null ? c : defaultClass;
    }

    /** The known ids, in order. */
    public Iterable<String> models() {
        return displayNames.values();
    }

    /** Every class a model maps to. */
    public java.util.Set<String> classes() {
        java.util.Set<String> s = new java.util.LinkedHashSet<>(classByModel.values());
        if (defaultClass != null) {
            s.add(defaultClass);
        }
        return s;
    }
}
