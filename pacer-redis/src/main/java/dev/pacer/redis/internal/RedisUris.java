package dev.pacer.redis.internal;

import io.lettuce.core.RedisURI;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Reads a Redis URI ({@code redis://} or {@code rediss://}, password, database) and prints it without its password. */
public final class RedisUris {

    private static final Pattern SHAPE = Pattern.compile("(?i)(rediss?)://(?:([^@/]*)@)?([^/?#]+)(/[0-9]*)?(\\?.*)?");

    private RedisUris() {
    }

    /**
     * The Lettuce URI for {@code uri}.
     *
     * @throws IllegalArgumentException one sentence naming the problem, with the password hidden
     */
    public static RedisURI parse(String uri) {
        if (uri == null || uri.isBlank()) {
            throw new IllegalArgumentException("The Redis URI is empty: give redis://HOST:PORT (or rediss:// for TLS).");
        }
        Matcher m = SHAPE.matcher(uri.trim());
        if (!m.matches()) {
            throw new IllegalArgumentException("The Redis URI '" + redact(uri)
                    + "' is invalid: use redis://[:PASSWORD@]HOST[:PORT][/DATABASE] (or rediss:// for TLS).");
        }
        try {
            return RedisURI.create(uri.trim());
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("The Redis URI '" + redact(uri)
                    + "' is invalid: use redis://[:PASSWORD@]HOST[:PORT][/DATABASE] (or rediss:// for TLS).");
        }
    }

    /** {@code uri} with the password (and a user name's password part) replaced by {@code ***}. */
    public static String redact(String uri) {
        if (uri == null) {
            return "null";
        }
        int scheme = uri.indexOf("://");
        int at = uri.lastIndexOf('@');
        if (scheme < 0 || at < scheme) {
            return uri.replaceAll("[\\p{Cntrl}]", "?");
        }
        String userInfo = uri.substring(scheme + 3, at);
        int colon = userInfo.indexOf(':');
        String shown = colon < 0 ? "***" : userInfo.substring(0, colon) + ":***";
        if (colon == 0) {
            shown = ":***";
        }
        return (uri.substring(0, scheme + 3) + shown + uri.substring(at)).replaceAll("[\\p{Cntrl}]", "?");
    }
}
