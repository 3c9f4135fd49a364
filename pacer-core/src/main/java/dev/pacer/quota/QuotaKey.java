package dev.pacer.quota;

import java.util.Objects;

/**
 * Names one set of provider buckets, for example one API key's pool for one model class. The id
 * appears in events and metrics, so it must never contain a secret: use a fingerprint of the key.
 */
public final class QuotaKey {

    private final String id;

    private QuotaKey(String id) {
        this.id = id;
    }

    /** A key with this id (1 to 200 printable characters). */
    public static QuotaKey of(String id) {
        Objects.requireNonNull(id, "QuotaKey id");
        if (id.isEmpty() || id.length() > 200 || !id.chars().allMatch(c -> c > 0x20 && c < 0x7f)) {
            throw new IllegalArgumentException("QuotaKey id must be 1 to 200 printable ASCII characters without spaces, not '" + id + "'.");
        }
        return new QuotaKey(id);
    }

    /** The id. */
    public String id() {
        return id;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof QuotaKey other && id.equals(other.id);
    }

    @Override
    public int hashCode() {
        return id.hashCode();
    }

    @Override
    public String toString() {
        return id;
    }
}
