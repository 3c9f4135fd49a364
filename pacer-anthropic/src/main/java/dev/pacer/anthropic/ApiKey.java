package dev.pacer.anthropic;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * An Anthropic API key that cannot leak by being printed: its {@link #toString()}, and everything
 * Pacer names after it (quota keys, events, messages), carry only its {@link #fingerprint()}. A
 * client that serves many keys (a gateway, a batch runner for several teams) passes one per call.
 */
public final class ApiKey {

    private final String secret;
    private final String fingerprint;

    private ApiKey(String secret) {
        this.secret = secret;
        this.fingerprint = fingerprint(secret);
    }

    /**
     * The key {@code secret} (surrounding whitespace trimmed).
     *
     * @throws IllegalArgumentException when it is null or blank
     */
    public static ApiKey of(String secret) {
        if (secret == null || secret.isBlank()) {
            throw new IllegalArgumentException("An API key is required: set ANTHROPIC_API_KEY or pass one.");
        }
        return new ApiKey(secret.trim());
    }

    /** The first 8 hex digits of the key's SHA-256: short, stable, and safe to print. */
    public String fingerprint() {
        return fingerprint;
    }

    /** The key itself, to put on the wire ({@code x-api-key}) and nowhere else. */
    public String secret() {
        return secret;
    }

    /** The fingerprint of any string (see {@link #fingerprint()}). */
    static String fingerprint(String secret) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(secret.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest, 0, 4);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ApiKey other && secret.equals(other.secret);
    }

    @Override
    public int hashCode() {
        return secret.hashCode();
    }

    /** {@code ApiKey[<fingerprint>]}: never the key. */
    @Override
    public String toString() {
        return "ApiKey[" + fingerprint + "]";
    }
}
