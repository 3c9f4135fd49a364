package dev.pacer.micrometer.internal;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The values one tag may take, bounded: the first {@code max} distinct values seen are kept, every
 * later one is {@link #OTHER}. A tag fed from outside (a model id a gateway's client sent, a pool per
 * API key) therefore cannot grow the number of series without bound. Values are also made safe for
 * any backend: at most 64 characters of {@code [A-Za-z0-9._:-]}, anything else becomes {@code _}.
 * Thread-safe; a value admitted stays admitted.
 */
public final class BoundedTags {

    /** What every value past the bound becomes. */
    public static final String OTHER = "other";

    private final int max;
    private final Set<String> admitted = ConcurrentHashMap.newKeySet();

    public BoundedTags(int max) {
        this.max = max;
    }

    /** The tag value of {@code raw}: itself (made safe) while the bound allows, else {@link #OTHER}. */
    public String of(String raw) {
        String safe = safe(raw);
        if (admitted.contains(safe)) {
            return safe;
        }
        synchronized (admitted) {
            if (admitted.contains(safe)) {
                return safe;
            }
            if (admitted.size() >= max) {
                return OTHER;
            }
            admitted.add(safe);
            return safe;
        }
    }

    /** Whether {@code raw} has a value of its own (is not folded into {@link #OTHER}). */
    public boolean has(String raw) {
        return admitted.contains(safe(raw));
    }

    /** {@code raw} made safe as a tag value (not bounded). */
    public static String safe(String raw) {
        if (raw == null || raw.isEmpty()) {
            return "none";
        }
        StringBuilder b = new StringBuilder(Math.min(raw.length(), 64));
        for (int i = 0; i < raw.length() && b.length() < 64; i++) {
            char c = raw.charAt(i);
            boolean ok = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == ':'
                    || c == '-';
            b.append(ok ? c : '_');
        }
        return b.toString();
    }
}
