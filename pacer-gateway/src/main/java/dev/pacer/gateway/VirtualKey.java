package dev.pacer.gateway;

import dev.pacer.quota.Priority;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * A gateway key a client presents instead of an API key (virtual-key mode): stored only as the
 * SHA-256 of the key, with the admission class its calls take, its own limits per dimension (per
 * minute, 0 for none) and an optional spend budget in US dollars (0 for none). The upstream key is
 * the gateway's, never the client's.
 *
 * @param name      a label for logs and errors (never the key)
 * @param sha256    the key's SHA-256, 64 lower-case hex digits
 * @param priority  the admission class of its calls (a request's {@code x-pacer-priority} may lower it, not raise it)
 * @param rpm       requests per minute, 0 for no limit of its own
 * @param itpm      input tokens per minute, 0 for none
 * @param otpm      output tokens per minute, 0 for none
 * @param budgetUsd what its calls may cost in all, 0 for no budget
 */
public record VirtualKey(String name, String sha256, Priority priority, long rpm, long itpm, long otpm, double budgetUsd) {

    private static final Pattern HEX = Pattern.compile("[0-9a-f]{64}");

    public VirtualKey {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(priority, "priority");
        if (sha256 == null || !HEX.matcher(sha256).matches()) {
            throw new IllegalArgumentException("The hash of key '" + name + "' must be 64 lower-case hex digits (sha256:<hex>); "
                    + "make one with 'pacer gateway --hash-key'.");
        }
        if (rpm < 0 || itpm < 0 || otpm < 0) {
            throw new IllegalArgumentException("The limits of key '" + name + "' must be 0 (none) or positive.");
        }
        if (budgetUsd < 0 || Double.isNaN(budgetUsd)) {
            throw new IllegalArgumentException("The budget of key '" + name + "' must be 0 (none) or a positive amount in USD.");
        }
    }

    /** The SHA-256 of a key, as stored. */
    public static String hash(String key) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("This JVM has no SHA-256.", e);
        }
    }

    /** True when the key has a limit of its own in some dimension. */
    public boolean hasLimits() {
        return rpm > 0 || itpm > 0 || otpm > 0;
    }
}
