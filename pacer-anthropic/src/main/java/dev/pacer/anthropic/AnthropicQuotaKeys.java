package dev.pacer.anthropic;

import dev.pacer.quota.QuotaKey;
import java.util.Locale;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * The one place that names Anthropic's quota pools, so that every client, the batch runner and the
 * benchmarks draw from the same keys: {@code anthropic:<key fingerprint>:<pool>}, where the pool is
 * a model class ({@code sonnet-4}, see {@link ModelClasses}), {@code count_tokens} (its own request
 * limit), {@code batches} (one request limit over every Message Batches endpoint) or the family of
 * another endpoint ({@code models}, {@code files}). A name never holds the key, only its
 * {@link ApiKey#fingerprint()}. These static names are a key's own pools; keys of one organization and
 * workspace come to share the pools of the first of them once their answers show it, and
 * {@link AnthropicCalls#target} and {@link AnthropicCalls#endpoint} name the pool a call really draws from.
 */
public final class AnthropicQuotaKeys {

    /** The provider's name in targets and pool names. */
    public static final String PROVIDER = "anthropic";
    /** The pool of {@code /v1/messages/count_tokens}. */
    public static final String COUNT_TOKENS = "count_tokens";
    /** The pool of every {@code /v1/messages/batches} endpoint. */
    public static final String BATCHES = "batches";

    private static final Pattern POOL = Pattern.compile("[a-z0-9][a-z0-9._-]{0,63}");

    private final ModelClasses classes;

    private AnthropicQuotaKeys(ModelClasses classes) {
        this.classes = classes;
    }

    /** Names a model's pool by {@code classes}. */
    public static AnthropicQuotaKeys of(ModelClasses classes) {
        return new AnthropicQuotaKeys(Objects.requireNonNull(classes, "classes"));
    }

    /** The pool {@code model} draws from with {@code key}: its model class's. */
    public QuotaKey forModel(ApiKey key, String model) {
        return forPool(key, classes.classOf(model));
    }

    /** The pool of a model class ({@code sonnet-4}) with {@code key}, e.g. to configure its limits. */
    public static QuotaKey forModelClass(ApiKey key, String modelClass) {
        return forPool(key, modelClass);
    }

    /** The pool of {@code count_tokens} with {@code key}. */
    public static QuotaKey countTokens(ApiKey key) {
        return forPool(key, COUNT_TOKENS);
    }

    /** The pool of the Message Batches endpoints with {@code key}. */
    public static QuotaKey batches(ApiKey key) {
        return forPool(key, BATCHES);
    }

    /**
     * The pool of the endpoint at {@code path} (a query string is ignored) with {@code key}:
     * {@link #BATCHES} under {@code /v1/messages/batches}, {@link #COUNT_TOKENS} for
     * {@code /v1/messages/count_tokens}, else the first segment after {@code /v1/} ({@code models},
     * {@code files}), else {@code other}. Messages themselves draw from their model's pool
     * ({@link #forModel}).
     */
    public static QuotaKey forPath(ApiKey key, String path) {
        return forPool(key, poolOfPath(path));
    }

    /** The pool name of {@link #forPath}. */
    static String poolOfPath(String path) {
        String p = path == null ? "" : path;
        int query = p.indexOf('?');
        if (query >= 0) {
            p = p.substring(0, query);
        }
        String[] segments = p.startsWith("/") ? p.substring(1).split("/") : p.split("/");
        if (segments.length < 2 || !segments[0].equals("v1")) {
            return "other";
        }
        if (segments[1].equals("messages") && segments.length >= 3) {
            if (segments[2].equals("batches")) {
                return BATCHES;
            }
            if (segments[2].equals("count_tokens")) {
                return COUNT_TOKENS;
            }
        }
        String family = segments[1].toLowerCase(Locale.ROOT);
        return POOL.matcher(family).matches() ? family : "other";
    }

    private static QuotaKey forPool(ApiKey key, String pool) {
        Objects.requireNonNull(key, "key");
        return forOwner(key.fingerprint(), pool);
    }

    /**
     * The pool {@code pool} of the key whose fingerprint is {@code owner}: the name every key of one
     * organization and workspace shares once they are known to be one ({@link AnthropicCalls}).
     */
    static QuotaKey forOwner(String owner, String pool) {
        return QuotaKey.of(PROVIDER + ":" + owner + ":" + printable(pool));
    }

    /** The pool name a model draws from (its class). */
    String poolOf(String model) {
        return classes.classOf(model);
    }

    /** A pool name as a quota key holds it: printable ASCII without spaces (an odd model id keeps its pool, not a crash). */
    private static String printable(String pool) {
        StringBuilder b = new StringBuilder(Math.min(pool.length(), 100));
        for (int i = 0; i < pool.length() && b.length() < 100; i++) {
            char c = pool.charAt(i);
            b.append(c > 0x20 && c < 0x7f ? c : '_');
        }
        return b.isEmpty() ? "_" : b.toString();
    }
}
