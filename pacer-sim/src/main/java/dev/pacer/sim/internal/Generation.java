package dev.pacer.sim.internal;

import dev.pacer.sim.SimSettings;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The answer a request will get, decided before it starts: its text (as stream deltas), token
 * count, stop reason and timing. Everything follows from the seed and the request itself, so the
 * same request gets the same answer.
 *
 * @param deltas        the text, cut as it will be streamed
 * @param outputTokens  the tokens of the text (what {@code usage.output_tokens} reports)
 * @param stopReason    {@code end_turn}, or {@code max_tokens} when the answer was cut by it
 * @param ttftSeconds   simulated time to the first token
 * @param secondsPerToken simulated time per further token
 */
record Generation(List<TextGenerator.Delta> deltas, int outputTokens, String stopReason, double ttftSeconds,
                  double secondsPerToken) {

    /** Plans the answer to {@code request}; {@code headerHint} (from request headers) wins over the body's hint. */
    static Generation plan(MessageRequest request, OutputHint headerHint, SimSettings settings) {
        SplittableRandom random = new SplittableRandom(settings.seed() * 31 + request.bodyHash());
        OutputHint hint = headerHint.present() ? headerHint : request.outputHint();
        int desired;
        if (hint.present()) {
            desired = hint.tokens() > 0 ? hint.tokens() : (int) Math.max(1, Math.round(hint.fraction() * request.maxTokens()));
        } else {
            double gaussian = Math.sqrt(-2 * Math.log(Math.max(1e-12, random.nextDouble()))) * Math.cos(2 * Math.PI * random.nextDouble());
            desired = (int) Math.max(1, Math.min(1_000_000, Math.round(settings.output().median() * Math.exp(settings.output().sigma() * gaussian))));
        }
        int tokens = Math.max(1, Math.min(request.maxTokens(), desired));
        String stop = desired >= request.maxTokens() ? "max_tokens" : "end_turn";
        SimSettings.Latency l = settings.latency();
        double ttft = l.ttftSeconds() * jitter(random, l.jitter());
        double perToken = 1 / (l.tokensPerSecond() * jitter(random, l.jitter()));
        return new Generation(TextGenerator.generate(random.nextLong(), tokens), tokens, stop, ttft, perToken);
    }

    private static double jitter(SplittableRandom random, double jitter) {
        return 1 + jitter * (2 * random.nextDouble() - 1);
    }

    String text() {
        return TextGenerator.join(deltas);
    }
}
