package dev.pacer.cli;

import dev.pacer.anthropic.ModelClasses;
import dev.pacer.batch.Plan;
import dev.pacer.cli.PacerCommand.UsageException;
import dev.pacer.quota.Dimension;
import dev.pacer.quota.Limit;
import java.util.HashMap;
import java.util.Map;

/**
 * Limits given up front, per minute: by {@code --limits rpm=50,itpm=30000,otpm=8000} (sim, batch
 * run, batch plan) or by a {@code pacer.yaml}'s {@code limits} and {@code classes}.
 */
record GivenLimits(long rpm, long itpm, long otpm) {

    /** Parses {@code rpm=50,itpm=30000,otpm=8000}; a mistake is one sentence naming {@code --limits}. */
    static GivenLimits parse(String text) {
        long[] l = {-1, -1, -1};
        for (String part : text.split(",")) {
            String[] kv = part.trim().split("=", 2);
            int i = switch (kv[0].trim()) {
                case "rpm" -> 0;
                case "itpm" -> 1;
                case "otpm" -> 2;
                default -> throw new UsageException("--limits: '" + kv[0].trim() + "' is not a limit; use rpm=N,itpm=N,otpm=N.");
            };
            try {
                l[i] = Long.parseLong(kv.length < 2 ? "" : kv[1].trim().replace("_", ""));
            } catch (NumberFormatException e) {
                throw new UsageException("--limits: " + kv[0].trim() + " needs a whole number, as in rpm=50,itpm=30000,otpm=8000.");
            }
            if (l[i] < 1) {
                throw new UsageException("--limits: " + kv[0].trim() + " must be at least 1.");
            }
        }
        for (int i = 0; i < 3; i++) {
            if (l[i] < 0) {
                throw new UsageException("--limits: " + new String[] {"rpm", "itpm", "otpm"}[i]
                        + " is missing; give all three, as in rpm=50,itpm=30000,otpm=8000.");
            }
        }
        return of(l);
    }

    /** From {@link BatchConfigFile}'s rpm, itpm, otpm. */
    static GivenLimits of(long[] rpmItpmOtpm) {
        return new GivenLimits(rpmItpmOtpm[0], rpmItpmOtpm[1], rpmItpmOtpm[2]);
    }

    /** These limits as the batch runner takes them for one model class. */
    Map<Dimension, Limit> perMinute() {
        return Map.of(Dimension.REQUESTS, Limit.perMinute(rpm), Dimension.INPUT_TOKENS, Limit.perMinute(itpm),
                Dimension.OUTPUT_TOKENS, Limit.perMinute(otpm));
    }

    /**
     * These limits for every model class the model-class table knows. The table is asked, not
     * copied: a list kept here missed the classes added to it later, and --limits silently did not
     * apply to them (issues/LimitsReachEveryModelClassTest).
     */
    Map<String, Map<Dimension, Limit>> forEveryClass() {
        Map<Dimension, Limit> dims = perMinute();
        Map<String, Map<Dimension, Limit>> all = new HashMap<>();
        for (String c : ModelClasses.defaults().classNames()) {
            all.put(c, dims);
        }
        return all;
    }

    /** These limits for a plan's ETA, {@code source} saying where they came from. */
    Plan.Limits forPlan(String source) {
        return new Plan.Limits(rpm, itpm, otpm, source);
    }
}
