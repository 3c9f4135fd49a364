package dev.pacer.cli;

import dev.pacer.anthropic.ModelClasses;
import dev.pacer.batch.Plan;
import dev.pacer.batch.Prices;
import dev.pacer.quota.Dimension;
import dev.pacer.quota.Limit;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Function;
import picocli.CommandLine;

/**
 * A setting of {@code batch run} or {@code batch plan} from its flag when given on the command
 * line, else from the {@code pacer.yaml} given with {@code --config}, else the flag's default.
 * The whole file is checked when it is read, by the flags' own rules ({@link BatchFlags}).
 */
final class BatchSettings {

    /** The file, or null without {@code --config}. */
    final BatchConfigFile file;
    private final CommandLine.ParseResult parsed;

    BatchSettings(CommandLine.Model.CommandSpec spec, Path config) {
        this.file = config == null ? null : BatchConfigFile.read(config);
        this.parsed = spec.commandLine().getParseResult();
        if (file != null) {
            // The whole file is checked, also the settings this command does not use: a bad file is bad for both.
            file.check("via", BatchFlags::via);
            file.check("concurrency", BatchFlags::concurrency);
            file.check("window", BatchFlags::window);
            file.check("deadline", BatchFlags::deadline);
            file.check("grace", BatchFlags::grace);
            file.check("max-cost", BatchFlags::maxCost);
            file.check("base-url", BatchFlags::baseUrl);
            file.check("redis", BatchFlags::redis);
            file.check("redis-unavailable", BatchFlags::redisUnavailable);
        }
    }

    /** The value of {@code flag} (its file key {@code key}), by {@code rule}. */
    <T> T get(String flag, String key, String flagValue, Function<String, T> rule) {
        if (file != null && !parsed.hasMatchedOption(flag) && file.scalars.containsKey(key)) {
            return file.check(key, rule);
        }
        return flagValue == null ? null : rule.apply(flagValue);
    }

    /** The file's known limits per model class ({@code limits} for every class, {@code classes} per class, which win). */
    Map<String, Map<Dimension, Limit>> limits() {
        if (file == null || file.limits.isEmpty()) {
            return Map.of();
        }
        Map<String, Map<Dimension, Limit>> all = new HashMap<>();
        long[] every = file.limits.get("*");
        if (every != null) {
            all.putAll(GivenLimits.of(every).forEveryClass());
        }
        file.limits.forEach((c, l) -> {
            if (!c.equals("*")) {
                all.put(c, GivenLimits.of(l).perMinute());
            }
        });
        return all;
    }

    /** Limits of one class for the plan's ETA, or null when the file says nothing about it. */
    Plan.Limits planLimits(String modelClass) {
        if (file == null) {
            return null;
        }
        long[] l = file.limits.getOrDefault(modelClass, file.limits.get("*"));
        return l == null ? null : GivenLimits.of(l).forPlan(file.file);
    }

    /** The list prices with the file's over them (a model id's price goes to its class). */
    Prices prices() {
        Prices p = Prices.defaults();
        if (file != null) {
            ModelClasses classes = ModelClasses.defaults();
            file.prices.forEach((k, v) -> p.put(k.startsWith("claude-") ? classes.classOf(k) : k, v));
        }
        return p;
    }
}
