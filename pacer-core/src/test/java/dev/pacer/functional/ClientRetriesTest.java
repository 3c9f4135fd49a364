package dev.pacer.functional;

import static dev.pacer.functional.ScriptedProvider.fail;
import static dev.pacer.functional.ScriptedProvider.ok;
import static org.assertj.core.api.Assertions.assertThat;

import dev.pacer.CallResult;
import dev.pacer.CallSpec;
import dev.pacer.Pacer;
import dev.pacer.event.PacerEvent;
import dev.pacer.outcome.OutcomeFamily;
import dev.pacer.quota.Cost;
import dev.pacer.quota.QuotaKey;
import dev.pacer.route.Route;
import dev.pacer.route.Target;
import dev.pacer.time.VirtualTime;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/**
 * A call the caller sends again itself (an SDK's own retry, {@code CallSpec.clientRetries} > 0) is a
 * retry of its earlier call: its first attempt is a {@code RetryScheduled} with reason
 * {@code client_retry}, and it takes from the retry budget instead of adding a first attempt to it.
 */
class ClientRetriesTest {

    private final VirtualTime time = new VirtualTime();
    private final Target target = Target.of("anthropic", "sonnet", QuotaKey.of("acct:sonnet"));
    private final List<PacerEvent> events = new CopyOnWriteArrayList<>();

    private CallSpec spec() {
        return CallSpec.builder().route(Route.of(target)).cost(Cost.requests(1, 100, 10)).build();
    }

    /**
     * Budget: 50% of first attempts, no floor. Calls A and B are new, C is either a client's retry or
     * new, D is new and overloaded once. With C a client's retry: 3 first attempts, 1 retry, so D's retry
     * would be 2 > 1.5 and the budget refuses it. Had C counted as new demand (4 first attempts), or
     * not been taken from the budget (0 retries), D's retry would have been allowed.
     */
    private CompletableFuture<CallResult<String>> fourCalls(int cRetries) {
        Pacer pacer = Pacer.builder().time(time).executor(Runnable::run).listener(events::add)
                .retryBudget(0.5, 0, Duration.ofSeconds(60)).build();
        ScriptedProvider[] p = new ScriptedProvider[1];
        p[0] = new ScriptedProvider(time, Duration.ofMillis(10),
                ctx -> p[0].seen.size() == 4 ? fail(OutcomeFamily.OVERLOADED, 529, "overloaded_error") : ok(ctx));
        for (int i = 0; i < 3; i++) {
            CallSpec spec = i == 2 ? spec().withClientRetries(cRetries) : spec();
            CompletableFuture<CallResult<String>> done = pacer.execute(spec, p[0]);
            drive(done);
            assertThat(done).isCompletedWithValueMatching(r -> r.value() != null);
        }
        CompletableFuture<CallResult<String>> d = pacer.execute(spec(), p[0]);
        drive(d);
        return d;
    }

    @Test
    void aClientsRetryIsCountedAsARetryAndTakenFromTheBudget() {
        CompletableFuture<CallResult<String>> d = fourCalls(2);
        assertThat(events).filteredOn(e -> e instanceof PacerEvent.RetryScheduled r && r.reason().equals("client_retry"))
                .singleElement().satisfies(e -> {
                    PacerEvent.RetryScheduled r = (PacerEvent.RetryScheduled) e;
                    assertThat(r.attempt()).isZero();
                    assertThat(r.family()).isNull();
                    assertThat(r.delay()).isZero();
                });
        assertThat(events).anyMatch(e -> e instanceof PacerEvent.RetryBudgetExhausted);
        assertThat(d).isCompletedExceptionally();
    }

    @Test
    void theSameCallsWithoutTheClientsRetryLeaveRoomForTheEnginesOwn() {
        CompletableFuture<CallResult<String>> d = fourCalls(0);
        assertThat(events).noneMatch(e -> e instanceof PacerEvent.RetryScheduled r && r.reason().equals("client_retry"));
        assertThat(events).noneMatch(e -> e instanceof PacerEvent.RetryBudgetExhausted);
        assertThat(d).isCompletedWithValueMatching(r -> r.value() != null);
    }

    private void drive(CompletableFuture<?> done) {
        for (int step = 0; step < 10_000 && !done.isDone(); step++) {
            time.advance(Duration.ofMillis(100));
        }
    }
}
