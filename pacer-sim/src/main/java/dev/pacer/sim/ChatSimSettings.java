package dev.pacer.sim;

import dev.pacer.sim.SimConfigFile.Invalid;
import dev.pacer.sim.YamlReader.Section;
import dev.pacer.sim.YamlReader.Value;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * The simulator's OpenAI side ({@code POST /v1/chat/completions}): the models it serves and their
 * limits per API key, a token budget per key after which every call is refused with
 * {@code insufficient_quota}, the latency model (the messages endpoint's unless given) and injected
 * faults before the answer (500, 503) and in a stream (an error chunk, a dropped connection). Read from
 * the {@code openai:} section of {@code sim.yaml}:
 *
 * <pre>{@code
 * openai:
 *   models:
 *     gpt-4o-mini: {rpm: 500, tpm: 200000}
 *   budget-tokens: 0           # 0: no budget
 *   budget-code: insufficient_quota   # or credit_balance_exhausted
 *   server-error: 0.0          # share of calls answered 500
 *   unavailable: 0.0           # share of calls answered 503 (the server is overloaded)
 *   latency: {ttft: 0.6, tokens-per-second: 80, jitter: 0.2}   # absent: the messages endpoint's
 *   mid-stream-error: 0.0      # share of streams that send an error chunk after some chunks and end
 *   stream-reset: 0.0          # share of streams whose connection drops before data: [DONE]
 *   mid-stream-after-chunks: 3 # chunks a faulty stream sends before its fault
 * }</pre>
 *
 * @param models       the models served, each with its limits; any other model is a 404
 * @param budgetTokens tokens (prompt plus completion) a key may use in all before every call is refused; 0 for no budget
 * @param budgetCode   the error code of that refusal: {@code insufficient_quota} or {@code credit_balance_exhausted}
 * @param serverError  the probability that a call is answered 500 {@code server_error}
 * @param unavailable  the probability that a call is answered 503 (the server is overloaded)
 * @param latency      time to first token and generation speed, simulated; null: the messages endpoint's
 * @param streamFaults faults after a stream's 200
 */
public record ChatSimSettings(Map<String, Model> models, long budgetTokens, String budgetCode, double serverError, double unavailable,
                              SimSettings.Latency latency, StreamFaults streamFaults) {

    private static final Set<String> CODES = Set.of("insufficient_quota", "credit_balance_exhausted");

    /** Two models with OpenAI's usage-tier-1 figures, no budget, no faults. */
    public static final ChatSimSettings DEFAULT = new ChatSimSettings(
            Map.of("gpt-4o-mini", new Model(500, 200_000), "gpt-4o", new Model(500, 30_000)), 0, "insufficient_quota", 0, 0, null,
            StreamFaults.NONE);

    public ChatSimSettings {
        models = Map.copyOf(Objects.requireNonNull(models, "openai.models"));
        if (models.isEmpty()) {
            throw new IllegalArgumentException("openai.models must name at least one model.");
        }
        if (budgetTokens < 0) {
            throw new IllegalArgumentException("openai.budget-tokens must be 0 (no budget) or a number of tokens, not " + budgetTokens + ".");
        }
        if (!CODES.contains(budgetCode)) {
            throw new IllegalArgumentException("openai.budget-code must be insufficient_quota or credit_balance_exhausted, not '"
                    + budgetCode + "'.");
        }
        probability("openai.server-error", serverError);
        probability("openai.unavailable", unavailable);
        if (serverError + unavailable > 1) {
            throw new IllegalArgumentException("openai.server-error and openai.unavailable add up to more than 1 (" + (serverError + unavailable)
                    + "); lower one of them.");
        }
        Objects.requireNonNull(streamFaults, "openai stream faults");
    }

    /**
     * Faults that strike a stream after its 200, drawn per stream from the seeded source.
     *
     * @param midStreamError the probability that a stream sends a chunk {@code {"error": {...}}} and ends
     * @param reset          the probability that a stream's connection drops before {@code data: [DONE]}
     * @param afterChunks    the chunks a faulty stream sends before its fault (at least 1)
     */
    public record StreamFaults(double midStreamError, double reset, int afterChunks) {

        /** No stream faults. */
        public static final StreamFaults NONE = new StreamFaults(0, 0, 3);

        public StreamFaults {
            probability("openai.mid-stream-error", midStreamError);
            probability("openai.stream-reset", reset);
            if (afterChunks < 1) {
                throw new IllegalArgumentException("openai.mid-stream-after-chunks must be at least 1, not " + afterChunks + ".");
            }
        }
    }

    /**
     * One model's limits per API key, both per minute, in continuously refilling buckets as OpenAI's.
     *
     * @param rpm requests per minute
     * @param tpm tokens per minute: a request is charged its prompt plus its {@code max_tokens} (or
     *            {@code max_completion_tokens}) when it arrives
     */
    public record Model(long rpm, long tpm) {
        public Model {
            if (rpm < 1 || tpm < 1) {
                throw new IllegalArgumentException("A model's rpm and tpm must be at least 1, not " + rpm + " and " + tpm + ".");
            }
        }
    }

    /** These settings with {@code model} served at these limits (added or replaced). */
    public ChatSimSettings withModel(String model, long rpm, long tpm) {
        Map<String, Model> m = new LinkedHashMap<>(models);
        m.put(model, new Model(rpm, tpm));
        return new ChatSimSettings(m, budgetTokens, budgetCode, serverError, unavailable, latency, streamFaults);
    }

    /** These settings with a token budget per key (0: none). */
    public ChatSimSettings withBudget(long tokens, String code) {
        return new ChatSimSettings(models, tokens, code, serverError, unavailable, latency, streamFaults);
    }

    /** These settings with injected server errors. */
    public ChatSimSettings withFaults(double serverErrorProbability, double unavailableProbability) {
        return new ChatSimSettings(models, budgetTokens, budgetCode, serverErrorProbability, unavailableProbability, latency, streamFaults);
    }

    /** These settings with their own latency model (null: the messages endpoint's). */
    public ChatSimSettings withLatency(SimSettings.Latency l) {
        return new ChatSimSettings(models, budgetTokens, budgetCode, serverError, unavailable, l, streamFaults);
    }

    /** These settings with faults in streams. */
    public ChatSimSettings withStreamFaults(StreamFaults faults) {
        return new ChatSimSettings(models, budgetTokens, budgetCode, serverError, unavailable, latency, faults);
    }

    private static void probability(String name, double p) {
        if (!(p >= 0 && p <= 1)) {
            throw new IllegalArgumentException(name + " must be a probability between 0 and 1, not " + p + ".");
        }
    }

    /** The {@code openai:} section of a config file on top of {@code base}. */
    static ChatSimSettings read(Value v, ChatSimSettings base) throws Invalid {
        Section s = v.section(Set.of("models", "budget-tokens", "budget-code", "server-error", "unavailable", "latency", "mid-stream-error",
                "stream-reset", "mid-stream-after-chunks"));
        Map<String, Model> models = new LinkedHashMap<>(base.models());
        if (s.has("models")) {
            models.clear();
            for (Map.Entry<String, Value> e : s.get("models").entries().entrySet()) {
                Section m = e.getValue().section(Set.of("rpm", "tpm"));
                long rpm = m.required("rpm").positiveLong();
                long tpm = m.required("tpm").positiveLong();
                models.put(e.getKey(), m.check(() -> new Model(rpm, tpm)));
            }
        }
        long budget = s.longValue("budget-tokens", base.budgetTokens());
        String code = s.has("budget-code") ? s.get("budget-code").text() : base.budgetCode();
        double serverError = s.number("server-error", base.serverError());
        double unavailable = s.number("unavailable", base.unavailable());
        SimSettings.Latency latency = base.latency();
        if (s.has("latency")) {
            Section l = s.get("latency").section(Set.of("ttft", "tokens-per-second", "jitter"));
            SimSettings.Latency cur = latency != null ? latency : SimSettings.Latency.DEFAULT;
            double ttft = l.number("ttft", cur.ttftSeconds());
            double tps = l.number("tokens-per-second", cur.tokensPerSecond());
            double jitter = l.number("jitter", cur.jitter());
            latency = l.check(() -> new SimSettings.Latency(ttft, tps, jitter));
        }
        StreamFaults f = base.streamFaults();
        double midStreamError = s.number("mid-stream-error", f.midStreamError());
        double reset = s.number("stream-reset", f.reset());
        int after = (int) s.positiveLong("mid-stream-after-chunks", f.afterChunks());
        StreamFaults streamFaults = s.check(() -> new StreamFaults(midStreamError, reset, after));
        SimSettings.Latency chosen = latency;
        return s.check(() -> new ChatSimSettings(models, budget, code, serverError, unavailable, chosen, streamFaults));
    }
}
