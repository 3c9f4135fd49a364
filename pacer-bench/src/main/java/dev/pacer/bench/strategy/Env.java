package dev.pacer.bench.strategy;

import dev.pacer.anthropic.AnthropicHttp;
import dev.pacer.time.ScaledClock;
import java.util.SplittableRandom;

/**
 * What a strategy instance runs with: the shared HTTP client, a clock at the simulator's time
 * scale, the API key, the tier's limits (for strategies that are told them), and whether a
 * fallback model may be used.
 *
 * @param http     the HTTP client (one per instance)
 * @param clock    simulated time
 * @param apiKey   the key (the same for every instance of the fleet)
 * @param rpm      the primary model's requests per minute
 * @param itpm     its input tokens per minute
 * @param otpm     its output tokens per minute
 * @param fallback whether a fallback model exists for strategies that support one
 * @param seed     for the strategy's own jitter
 * @param openAiBaseUrl the simulator's OpenAI base URL when the scenario's chain ends there (strategies that can use it), else null
 * @param lane     names the lane (a strategy in a scenario run), the same for every instance of its fleet
 */
public record Env(AnthropicHttp http, ScaledClock clock, String apiKey, long rpm, long itpm, long otpm, boolean fallback, long seed,
                  String openAiBaseUrl, String lane) {

    /** Simulated seconds since this instance started. */
    public double now() {
        return clock.nanoTime() / 1e9;
    }

    /** Sleeps for simulated seconds (a virtual thread parks cheaply). */
    public void sleep(double seconds) throws InterruptedException {
        if (seconds > 0) {
            Thread.sleep(java.time.Duration.ofNanos((long) (seconds * 1e9 / clock.scale())));
        }
    }

    /** A random source for jitter. */
    public SplittableRandom random() {
        return new SplittableRandom(seed);
    }
}
