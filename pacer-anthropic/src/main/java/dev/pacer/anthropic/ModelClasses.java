package dev.pacer.anthropic;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Which quota pool a model id draws from. Anthropic pools several ids into one bucket (all
 * "Opus 4.x", all "Sonnet 4.x"); newer flagships have their own. The table is configuration:
 * {@link #put} adds or overrides ids. An unknown id gets its own pool (named after the id) so it
 * is never silently charged to another model's quota.
 */
public final class ModelClasses {

    private final Map<String, String> byModel = new LinkedHashMap<>();
    private final Set<String> countingCacheReads;

    private ModelClasses(Set<String> countingCacheReads) {
        this.countingCacheReads = countingCacheReads;
    }

    /** Defaults from the API reference (late 2026). */
    public static ModelClasses defaults() {
        ModelClasses m = new ModelClasses(Set.of("haiku-3-5"));
        for (String id : new String[] {"claude-opus-4-8", "claude-opus-4-7", "claude-opus-4-6", "claude-opus-4-5",
                "claude-opus-4-5-20251101", "claude-opus-4-1", "claude-opus-4-0"}) {
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
        for (String id : new String[] {"claude-opus-5-5", "claude-opus-5", "claude-sonnet-5-5", "claude-sonnet-5",
                "claude-haiku-5-5", "claude-fable-5", "claude-fable-5-1", "claude-mythos-5", "claude-mythos-5-1", "claude-mythos-5-2"}) {
            m.put(id, id.substring("claude-".length()));
        }
        return m;
    }

    /** Maps {@code model} to {@code modelClass}. */
    public ModelClasses put(String model, String modelClass) {
        byModel.put(model.toLowerCase(Locale.ROOT), modelClass);
        return this;
    }

    /** The pool of {@code model}. */
    public String classOf(String model) {
        String m = model.toLowerCase(Locale.ROOT);
        String c = byModel.get(m);
        return c != null ? c : m.startsWith("claude-") ? m.substring(7) : m;
    }

    /** Whether the pool counts cache reads toward its input limit. */
    public boolean countsCacheReads(String modelClass) {
        return countingCacheReads.contains(modelClass);
    }
}
