package dev.pacer.batch;

import dev.pacer.anthropic.ModelClasses;
import dev.pacer.anthropic.TokenEstimator;
import dev.pacer.anthropic.Usage;
import java.io.PrintStream;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code pacer batch plan}: what a file will cost and take before anything is sent. Input tokens
 * are estimated locally (no request leaves the machine); output is shown as its ceiling
 * ({@code max_tokens}) and as a typical figure (40% of it, refined by real runs); cost for live
 * calls and for the Batches API (half price); the ETA of a live run under the given limits.
 */
public final class Plan {

    /** Per-minute limits used for the ETA. */
    public record Limits(long rpm, long itpm, long otpm, String source) {
    }

    /** The figures, per model and in total. */
    public record Figures(int requests, long inputTokens, long maxOutputTokens, long typicalOutputTokens,
                          double liveCostTypical, double liveCostMax, double batchCostTypical, double batchCostMax,
                          double etaMinutes, String bindingDimension) {
    }

    static final double TYPICAL_OUTPUT_SHARE = 0.4;

    private Plan() {
    }

    /** Computes the figures of the valid requests of {@code input}. */
    public static Figures figures(BatchInput input, Prices prices, Limits limits) {
        ModelClasses classes = ModelClasses.defaults();
        long in = 0;
        long maxOut = 0;
        double liveTyp = 0;
        double liveMax = 0;
        for (BatchInput.Item item : input.items()) {
            String model = item.params().path("model").asText();
            String modelClass = classes.classOf(model);
            long inputTokens = Math.round(TokenEstimator.defaults().estimate(modelClass, item.params()).rawInput());
            long max = item.params().path("max_tokens").asLong();
            long typ = Math.round(max * TYPICAL_OUTPUT_SHARE);
            in += inputTokens;
            maxOut += max;
            liveTyp += prices.cost(modelClass, new Usage(inputTokens, 0, 0, typ), false);
            liveMax += prices.cost(modelClass, new Usage(inputTokens, 0, 0, max), false);
        }
        long typOut = Math.round(maxOut * TYPICAL_OUTPUT_SHARE);
        int n = input.items().size();
        double byRequests = (double) n / limits.rpm();
        double byInput = (double) in / limits.itpm();
        double byOutput = (double) typOut / limits.otpm();
        double eta = Math.max(byRequests, Math.max(byInput, byOutput));
        String binding = eta == byRequests ? "requests" : eta == byInput ? "input tokens" : "output tokens";
        return new Figures(n, in, maxOut, typOut, liveTyp, liveMax, liveTyp / 2, liveMax / 2, eta, binding);
    }

    /** Prints a plan. */
    public static void print(BatchInput input, Prices prices, Limits limits, PrintStream out) {
        Figures f = figures(input, prices, limits);
        Map<String, Integer> models = new LinkedHashMap<>();
        input.items().forEach(i -> models.merge(i.params().path("model").asText(), 1, Integer::sum));
        out.printf("%s: %,d requests%s%n", input.path(), f.requests(),
                input.problems().isEmpty() ? "" : " valid, " + input.problems().size() + " invalid (listed above)");
        models.forEach((m, c) -> out.printf("  %-28s %,d requests%s%n", m, c,
                prices.knows(ModelClasses.defaults().classOf(m)) ? "" : "  (no price known: priced like Sonnet)"));
        out.printf("Input tokens (estimated locally):   %,d%n", f.inputTokens());
        out.printf("Output tokens:                      up to %,d (max_tokens); typically ~%,d%n", f.maxOutputTokens(), f.typicalOutputTokens());
        out.printf("Cost, live (--via messages):        ~$%.2f typical, $%.2f at most%n", f.liveCostTypical(), f.liveCostMax());
        out.printf("Cost, Batches API (--via batches):  ~$%.2f typical, $%.2f at most (50%% discount)%n", f.batchCostTypical(), f.batchCostMax());
        out.printf("ETA, live, under %s (%,d RPM, %,d ITPM, %,d OTPM): ~%s, bound by %s%n", limits.source(), limits.rpm(), limits.itpm(),
                limits.otpm(), minutes(f.etaMinutes()), f.bindingDimension());
        out.printf("ETA, Batches API: most batches end within 1 hour, all within 24 hours.%n");
    }

    static String minutes(double m) {
        if (m < 1) {
            return Math.max(1, Math.round(m * 60)) + " s";
        }
        if (m < 120) {
            return String.format("%.0f min", Math.ceil(m));
        }
        return String.format("%.1f h", m / 60);
    }
}
