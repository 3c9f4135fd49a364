package dev.pacer.functional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pacer.Attempt;
import dev.pacer.AttemptContext;
import dev.pacer.AttemptResult;
import dev.pacer.CallFailed;
import dev.pacer.CallResult;
import dev.pacer.CallSpec;
import dev.pacer.Pacer;
import dev.pacer.outcome.Outcome;
import dev.pacer.outcome.OutcomeFamily;
import dev.pacer.quota.Cost;
import dev.pacer.quota.QuotaKey;
import dev.pacer.route.Route;
import dev.pacer.route.Skip;
import dev.pacer.route.SkipReason;
import dev.pacer.route.Target;
import dev.pacer.time.VirtualTime;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.Test;

/** A provider passes a target over before it is tried: nothing is admitted or sent there, and the skip says why. */
class PassOverTest {

    private final VirtualTime time = new VirtualTime();
    private final Target claude = Target.of("anthropic", "sonnet", QuotaKey.of("a:sonnet"));
    private final Target other = Target.of("openai", "gpt-4o-mini", QuotaKey.of("o:mini"));
    private final List<Target> sent = new CopyOnWriteArrayList<>();

    private Attempt<String> attempt(Target unsupported, boolean claudeFails) {
        return new Attempt<>() {
            @Override
            public CompletionStage<AttemptResult<String>> run(AttemptContext ctx) {
                sent.add(ctx.target());
                if (claudeFails && ctx.target().equals(claude)) {
                    return CompletableFuture.completedFuture(AttemptResult.failure(
                            new Outcome(OutcomeFamily.REQUEST_ERROR, 400, "invalid_request_error", "bad", null, null, null), null));
                }
                return CompletableFuture.completedFuture(AttemptResult.success(Outcome.success(200, null), ctx.target().model(), null));
            }

            @Override
            public Skip passOver(Target target) {
                return target.equals(unsupported)
                        ? new Skip(target, SkipReason.UNSUPPORTED, Outcome.failure(OutcomeFamily.REQUEST_ERROR, "thinking cannot be translated"))
                        : null;
            }
        };
    }

    @Test
    void aPassedOverTargetIsSkippedWithItsReasonAndTheNextAnswers() throws Exception {
        Pacer pacer = Pacer.builder().time(time).executor(Runnable::run).build();
        CallSpec spec = CallSpec.builder().route(Route.of(other, claude)).cost(Cost.requests(1, 10, 10)).build();
        CallResult<String> r = pacer.execute(spec, attempt(other, false)).get();
        assertThat(r.value()).isEqualTo("sonnet");
        assertThat(r.skipped()).extracting(Skip::reason).containsExactly(SkipReason.UNSUPPORTED);
        assertThat(sent).containsExactly(claude);
        assertThat(pacer.quotas().view(other.quotaKey()).inFlight()).isZero();
    }

    @Test
    void aPassedOverLastTargetEndsTheCallQuotingWhy() {
        Pacer pacer = Pacer.builder().time(time).executor(Runnable::run).build();
        CallSpec spec = CallSpec.builder().route(Route.of(other)).cost(Cost.requests(1, 10, 10)).build();
        assertThatThrownBy(() -> pacer.execute(spec, attempt(other, false)).get())
                .isInstanceOf(ExecutionException.class).cause().isInstanceOf(CallFailed.class)
                .hasMessageContaining("openai/gpt-4o-mini unsupported").hasMessageContaining("thinking cannot be translated");
        assertThat(sent).isEmpty();
    }
}
