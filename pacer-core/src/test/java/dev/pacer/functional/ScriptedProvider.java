package dev.pacer.functional;

import dev.pacer.Attempt;
import dev.pacer.AttemptContext;
import dev.pacer.AttemptResult;
import dev.pacer.outcome.Outcome;
import dev.pacer.outcome.OutcomeFamily;
import dev.pacer.outcome.RetryHints;
import dev.pacer.quota.Cost;
import dev.pacer.time.VirtualTime;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;

/**
 * A small in-process provider on virtual time: each attempt takes {@code latency} and ends as the
 * script says for its target and moment. Records every attempt it saw.
 */
final class ScriptedProvider implements Attempt<String> {

    record Seen(Instant at, String model, int attempt) {
    }

    private final VirtualTime time;
    private final Duration latency;
    private final Function<AttemptContext, AttemptResult<String>> script;
    final List<Seen> seen = Collections.synchronizedList(new ArrayList<>());

    ScriptedProvider(VirtualTime time, Duration latency, Function<AttemptContext, AttemptResult<String>> script) {
        this.time = time;
        this.latency = latency;
        this.script = script;
    }

    @Override
    public CompletionStage<AttemptResult<String>> run(AttemptContext context) {
        seen.add(new Seen(time.instant(), context.target().model(), context.attempt()));
        CompletableFuture<AttemptResult<String>> answer = new CompletableFuture<>();
        time.schedule(() -> answer.complete(script.apply(context)), latency);
        return answer;
    }

    long attemptsOn(String model) {
        synchronized (seen) {
            return seen.stream().filter(s -> s.model().equals(model)).count();
        }
    }

    static AttemptResult<String> ok(AttemptContext ctx) {
        return AttemptResult.success(Outcome.success(200, null), "answer from " + ctx.target().model(),
                Cost.requests(1, ctx.reserved().get(dev.pacer.quota.Dimension.INPUT_TOKENS), 10));
    }

    static AttemptResult<String> fail(OutcomeFamily family, int status, String type) {
        return AttemptResult.failure(new Outcome(family, status, type, "scripted", null, RetryHints.NONE, null), null);
    }

    static AttemptResult<String> fail(OutcomeFamily family, int status, String type, RetryHints hints) {
        return AttemptResult.failure(new Outcome(family, status, type, "scripted", null, hints, null), null);
    }
}
