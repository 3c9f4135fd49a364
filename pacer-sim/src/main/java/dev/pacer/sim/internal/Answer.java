package dev.pacer.sim.internal;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The answer to one admitted Messages request while it is generated: it lets each delta happen at
 * its time on the simulated clock, charges the output bucket as tokens are generated (actual mode)
 * and settles the reservation at the end (reserve mode). Used by one thread.
 */
final class Answer {

    /** Waits shorter than this (wall clock) are not worth a sleep: the work is simply done now. */
    private static final double MIN_WAIT_WALL_SECONDS = 0.002;

    final Simulator sim;
    final Limiter pool;
    final Admission admission;
    final boolean chargeAsGenerated;
    final boolean cutWhenDry;
    final String model;
    final Generation generation;
    final MessagesEndpoint.Usage usage;
    final double admittedAt;
    final String messageId = Ids.next("msg_");
    private int produced;
    private int tokensDue;
    private boolean settled;

    Answer(Simulator sim, Limiter pool, Admission admission, boolean chargeAsGenerated, boolean cutWhenDry, String model,
           Generation generation, MessagesEndpoint.Usage usage, double admittedAt) {
        this.sim = sim;
        this.pool = pool;
        this.admission = admission;
        this.chargeAsGenerated = chargeAsGenerated;
        this.cutWhenDry = cutWhenDry;
        this.model = model;
        this.generation = generation;
        this.usage = usage;
        this.admittedAt = admittedAt;
    }

    /** The simulated second at which the next {@code tokens} tokens are all generated. */
    double dueAfter(int tokens) {
        tokensDue += tokens;
        return admittedAt + generation.ttftSeconds() + (tokensDue - 1) * generation.secondsPerToken();
    }

    /** Whether reaching {@code due} needs a real wait, given the shortest wait worth taking (simulated seconds). */
    boolean mustWait(double due, double minimumSimulated) {
        double gap = due - sim.clock().seconds();
        return gap > Math.max(minimumSimulated, MIN_WAIT_WALL_SECONDS * sim.clock().scale());
    }

    /** Generates {@code tokens} now; false when the output bucket ran dry and the generation is cut. */
    boolean produce(int tokens) {
        double now = sim.clock().seconds();
        if (chargeAsGenerated && !pool.generated(now, tokens, cutWhenDry)) {
            pool.cut(now, generation.outputTokens() - produced);
            sim.counters().fault("output_cut");
            return false;
        }
        produced += tokens;
        return true;
    }

    int produced() {
        return produced;
    }

    /** Settles a reservation with what was produced; idempotent. */
    void settle() {
        if (!settled) {
            settled = true;
            pool.settle(sim.clock().seconds(), admission, produced);
        }
    }

    Map<String, String> headers() {
        double now = sim.clock().seconds();
        return pool.headers(now, sim.clock().at(now));
    }

    /** The 429 of a plain request cut short by an empty output bucket. */
    String cutMessage() {
        return ApiErrors.rateLimitMessage("organization (" + pool.identity.organizationId() + ")", pool.otpm(), "output tokens");
    }

    /** Answers a plain (non-streamed) request once its whole text is generated. */
    void plain(Exchange ex) throws IOException, InterruptedException {
        try {
            for (TextGenerator.Delta d : generation.deltas()) {
                double due = dueAfter(d.tokens());
                // A plain answer is not observed while it is generated: charging in steps of a quarter second is exact enough.
                if (mustWait(due, 0.25)) {
                    sim.clock().sleepUntil(due);
                }
                if (!produce(d.tokens())) {
                    settle();
                    Map<String, String> headers = new LinkedHashMap<>(headers());
                    Replies.retryAfter(sim, headers, pool.outputWait(sim.clock().seconds()));
                    ex.json(429, ApiErrors.body("rate_limit_error", cutMessage(), ex.requestId), headers);
                    return;
                }
            }
            double end = admittedAt + generation.ttftSeconds() + Math.max(0, generation.outputTokens() - 1) * generation.secondsPerToken();
            sim.clock().sleepUntil(end);
            settle();
            ex.json(200, MessagesEndpoint.message(messageId, model, generation.text(), usage, produced, generation.stopReason(),
                    "standard"), headers());
        } finally {
            settle();
        }
    }
}
