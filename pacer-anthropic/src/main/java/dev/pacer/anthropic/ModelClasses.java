package dev.pacer.anthropic;

import java.util.Collections;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * Which quota pool a model id draws from. Anthropic pools several ids into one bucket (all
 * "Opus 4.x", all "Sonnet 4.x"); newer flagships have their own. The table is configuration:
 * {@link #put} adds or overrides ids. A dated snapshot ({@code claude-opus-4-1-20250805}) or a
 * {@code -latest} alias draws from the pool of the id it is a version of, so a new snapshot of a
 * known model needs no new entry. An id that is still unknown gets its own pool (named after the
 * id without its date) so it is never silently charged to another model's quota; {@link #isKnown}
 * tells the two cases apart, and the clients report an unknown id once to their debug notes.
 */
public final class ModelClasses {

    /** A snapshot date or a moving alias at the end of an id: {@code -20250929}, {@code -latest}. */
    private static final Pattern VERSION_SUFFIX = Pattern.compile("-(\\d{8}|latest)$");

    // Concurrent: a table may be extended (put) while calls are classifying with it.
    private final Map<String, String> byModel = new ConcurrentHashMap<>();
    private final Set<String> countingCacheReads;

    private ModelClasses(Set<String> countingCacheReads) {
        this.countingCacheReads = countingCacheReads;
    }

    /** Defaults from the API reference (late 2026). */
    public static ModelClasses defaults() {
        ModelClasses m = new ModelClasses(Set.of("haiku-3-5"));
        for (String id : new String[] {"claude-opus-4-8", "claude-opus-4-7", "claude-opus-4-6", "claude-opus-4-5",
                "claude-opus-4-5-20251101", "claude-opus-4-1", "claude-opus-4-0", "claude-opus-4"}) {
            m.put(id, "opus-4");
        }
        for (String id : new String[] {"claude-sonnet-4-6", "claude-sonnet-4-5", "claude-sonnet-4-5-20250929", "claude-sonnet-4-0",
                "claude-sonnet-4", "claude-sonnet-4-20250514"}) {
            m.put(id, "sonnet-4");
        }
        m.put("claude-haiku-4-5", "haiku-4-5");
        m.put("claude-haiku-4-5-20251001", "haiku-4-5");
        m.put("claude-3-5-haiku", "haiku-3-5");
        for (String id : new String[] {"claude-opus-5-5", "claude-opus-5", "claude-sonnet-5-5", "claude-sonnet-5",
                "claude-haiku-5-5", "claude-fable-5", "claude-fable-5-1", "claude-mythos-5", "claude-mythos-5-1", "claude-mythos-5-2",
                "claude-mythos-preview"}) {
            m.put(id, id.substring("claude-".length()));
        }
        return m;
    }

    /** Maps {@code model} to {@code modelClass}. */
    public ModelClasses put(String model, String modelClass) {
        byModel.put(model.toLowerCase(Locale.ROOT), modelClass);
        return this;
    }

    /** The pool of {@code model}: its own entry, else the entry of the id it is a dated version of, else its own. */
    public String classOf(String model) {
        String m = model.toLowerCase(Locale.ROOT).trim();
        String c = byModel.get(m);
        if (c != null) {
            return c;
        }
        String base = VERSION_SUFFIX.matcher(m).replaceFirst("");
        c = byModel.get(base);
        if (c != null) {
            return c;
        }
        return base.startsWith("claude-") ? base.substring("claude-".length()) : base;
    }

    /**
     * Every class the table's ids draw from, sorted: what a setting "for every model class" must
     * cover (ask here rather than copy the list, which then misses the classes added later).
     */
    public Set<String> classNames() {
        return Collections.unmodifiableSet(new TreeSet<>(byModel.values()));
    }

    /** Whether {@code model} (or the id it is a dated version of) is in the table. */
    public boolean isKnown(String model) {
        String m = model.toLowerCase(Locale.ROOT).trim();
        return byModel.containsKey(m) || byModel.containsKey(VERSION_SUFFIX.matcher(m).replaceFirst(""));
    }

    /** The note a client gives, once, for a model id the table does not know. */
    public static String unknownNote(String model, String pool) {
        return "model '" + model + "' is not in the model-class table; it draws from a pool of its own ('" + pool
                + "'). If it shares another model's rate limits, add it with ModelClasses.put(\"" + model + "\", <class>).";
    }

    /** Whether the pool counts cache reads toward its input limit. */
    public boolean countsCacheReads(String modelClass) {
        return countingCacheReads.contains(modelClass);
    }
}
