package dev.pacer.cli;

import dev.pacer.batch.BatchException;
import dev.pacer.batch.DailyWindow;
import dev.pacer.batch.Prices;
import dev.pacer.batch.RunOptions;
import dev.pacer.cli.PacerCommand.UsageException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;

/**
 * The rules of the batch flags, each turning a flag's text into its value or a one-sentence
 * {@link UsageException} naming the flag. A {@code pacer.yaml} value is checked by the same rule
 * ({@link BatchConfigFile#check}), which puts the file and line in front.
 */
final class BatchFlags {

    private BatchFlags() {
    }

    static RunOptions.Via via(String text) {
        return switch (text) {
            case "messages" -> RunOptions.Via.MESSAGES;
            case "batches" -> RunOptions.Via.BATCHES;
            case "auto" -> RunOptions.Via.AUTO;
            default -> throw new UsageException("--via '" + text + "' is not allowed; use messages, batches or auto.");
        };
    }

    /** A fixed number of calls in flight, or null for auto (adaptive). */
    static Integer concurrency(String text) {
        if (text.equals("auto")) {
            return null;
        }
        try {
            int n = Integer.parseInt(text);
            if (n < 1 || n > 100_000) {
                throw new NumberFormatException();
            }
            return n;
        } catch (NumberFormatException e) {
            throw new UsageException("--concurrency '" + text + "' must be a number from 1 to 100000, or auto.");
        }
    }

    static Double maxCost(String text) {
        double usd;
        try {
            usd = Double.parseDouble(text.trim());
        } catch (NumberFormatException e) {
            usd = Double.NaN;
        }
        if (!(usd > 0) || Double.isInfinite(usd)) {
            throw new UsageException("--max-cost " + text + " must be an amount of US dollars above 0, like --max-cost 25.");
        }
        return usd;
    }

    static DailyWindow window(String text) {
        if (text == null) {
            return null;
        }
        try {
            return DailyWindow.parse(text);
        } catch (BatchException e) {
            throw new UsageException(e.getMessage());
        }
    }

    static Instant deadline(String text) {
        if (text == null) {
            return null;
        }
        try {
            return Instant.parse(text);
        } catch (DateTimeParseException e) {
            throw new UsageException("--deadline '" + text + "' is not an ISO-8601 instant like 2026-12-01T08:00:00Z.");
        }
    }

    static Duration grace(String text) {
        return duration("--grace", text);
    }

    static Duration duration(String option, String text) {
        if (text.trim().startsWith("-")) {
            throw new UsageException(option + " '" + text + "' must not be negative; use e.g. 30s, 2m or 500ms.");
        }
        try {
            String t = text.trim().toLowerCase();
            if (t.endsWith("ms")) {
                return Duration.ofMillis(Long.parseLong(t.substring(0, t.length() - 2)));
            }
            if (t.endsWith("s")) {
                return Duration.ofSeconds(Long.parseLong(t.substring(0, t.length() - 1)));
            }
            if (t.endsWith("m")) {
                return Duration.ofMinutes(Long.parseLong(t.substring(0, t.length() - 1)));
            }
            return Duration.ofSeconds(Long.parseLong(t));
        } catch (NumberFormatException e) {
            throw new UsageException(option + " '" + text + "' is not a duration; use e.g. 30s, 2m or 500ms.");
        }
    }

    /** True for a redrawn bar, false for log lines. */
    static boolean progressBar(String text) {
        return switch (text) {
            case "bar" -> true;
            case "log" -> false;
            case "auto" -> System.console() != null;
            default -> throw new UsageException("--progress '" + text + "' is not allowed; use bar, log or auto.");
        };
    }

    /** The text, when it is an http(s) URL with a host. */
    static String baseUrl(String text) {
        java.net.URI uri;
        try {
            uri = new java.net.URI(text);
        } catch (java.net.URISyntaxException e) {
            uri = null;
        }
        if (uri == null || uri.getHost() == null || !("http".equals(uri.getScheme()) || "https".equals(uri.getScheme()))) {
            throw new UsageException("--base-url '" + text + "' is not an http(s) URL; give one like https://api.anthropic.com or http://127.0.0.1:8089.");
        }
        return text;
    }

    /** A price table file ({@code --prices}), or the list prices for none. */
    static Prices prices(Path file) {
        try {
            return file == null ? Prices.defaults() : Prices.read(file);
        } catch (BatchException e) {
            throw new UsageException(e.getMessage());
        }
    }

    /** A Redis URI for a shared quota; the message never shows its password. */
    static String redis(String text) {
        try {
            dev.pacer.redis.RedisQuotaStore.checkUri(text);
            return text.trim();
        } catch (IllegalArgumentException e) {
            throw new UsageException("--redis: " + e.getMessage());
        }
    }

    /** What a run does while Redis does not answer. */
    static dev.pacer.redis.RedisUnavailableMode redisUnavailable(String text) {
        return switch (text) {
            case "local-share" -> dev.pacer.redis.RedisUnavailableMode.LOCAL_SHARE;
            case "fail-open" -> dev.pacer.redis.RedisUnavailableMode.FAIL_OPEN;
            case "fail-closed" -> dev.pacer.redis.RedisUnavailableMode.FAIL_CLOSED;
            default -> throw new UsageException("--redis-unavailable '" + text + "' is not allowed; use local-share, fail-open or fail-closed.");
        };
    }
}
