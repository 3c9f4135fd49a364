package dev.pacer.functional;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pacer.CallSpec;
import dev.pacer.Pacer;
import dev.pacer.QuotaWaitExceeded;
import dev.pacer.event.PacerEvent;
import dev.pacer.outcome.OutcomeFamily;
import dev.pacer.quota.Cost;
import dev.pacer.quota.Dimension;
import dev.pacer.quota.Limit;
import dev.pacer.quota.Priority;
import dev.pacer.quota.QuotaKey;
import dev.pacer.quota.QuotaView;
import dev.pacer.route.Route;
import dev.pacer.route.Target;
import dev.pacer.time.VirtualTime;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** What metrics and a status page read: a listener added after build, the call's end, priorities, the retry's family. */
class ObservabilityEventsTest {

    private final VirtualTime time = new VirtualTime();
    private final QuotaKey key = QuotaKey.of("acct:observed");
    private final Target target = Target.of("scripted", "model-a", key);
    private final List<PacerEvent> events = new CopyOnWriteArrayList<>();

    private CallSpec spec(Priority priority) {
        return CallSpec.builder().route(Route.of(target)).cost(Cost.requests(1, 100, 100)).priority(priority).build();
    }

    @Test
    void aListenerAddedAfterBuildHearsEveryCallEndOnceBeforeItsFutureCompletes() {
        Pacer pacer = Pacer.builder().time(time).executor(Runnable::run).build();
        pacer.addListener(events::add);
        AtomicInteger calls = new AtomicInteger();
        ScriptedProvider provider = new ScriptedProvider(time, Duration.ofMillis(100), ctx ->
                calls.incrementAndGet() == 1 ? ScriptedProvider.fail(OutcomeFamily.OVERLOADED, 529, "overloaded_error")
                        : ScriptedProvider.ok(ctx));
        CompletableFuture<?> call = pacer.execute(spec(Priority.INTERACTIVE), provider);
        List<Boolean> endedBeforeJoin = new CopyOnWriteArrayList<>();
        call.whenComplete((r, e) -> endedBeforeJoin.add(events.stream().anyMatch(ev -> ev instanceof PacerEvent.CallEnded)));
        time.advance(Duration.ofMinutes(1));
        assertThat(call).isCompleted();
        assertThat(endedBeforeJoin).containsExactly(true);
        List<PacerEvent.CallEnded> ended = events.stream().filter(e -> e instanceof PacerEvent.CallEnded)
                .map(e -> (PacerEvent.CallEnded) e).toList();
        assertThat(ended).hasSize(1);
        assertThat(ended.get(0).succeeded()).isTrue();
        assertThat(ended.get(0).outcome().family()).isEqualTo(OutcomeFamily.SUCCESS);
        assertThat(ended.get(0).attempt()).isEqualTo(2);
        assertThat(ended.get(0).target()).isEqualTo(target);
        assertThat(events).anyMatch(e -> e instanceof PacerEvent.RetryScheduled r && r.family() == OutcomeFamily.OVERLOADED);
        assertThat(events).filteredOn(e -> e instanceof PacerEvent.Admitted)
                .allMatch(e -> ((PacerEvent.Admitted) e).priority() == Priority.INTERACTIVE);

        pacer.removeListener(events::add); // a different lambda: nothing is removed
        int before = events.size();
        pacer.execute(spec(Priority.BULK), provider);
        time.advance(Duration.ofMinutes(1));
        assertThat(events.size()).isGreaterThan(before);
    }

    @Test
    void aCallThatCannotBeAdmittedInTimeEndsWithItsFailureAndWaitersAreCountedByPriority() {
        Pacer pacer = Pacer.builder().time(time).executor(Runnable::run).limit(key, Dimension.REQUESTS, Limit.perMinute(1)).build();
        pacer.addListener(events::add);
        ScriptedProvider provider = new ScriptedProvider(time, Duration.ofMillis(100), ScriptedProvider::ok);
        pacer.execute(spec(Priority.NORMAL), provider);
        time.advance(Duration.ofSeconds(1));
        pacer.execute(spec(Priority.BULK), provider);
        pacer.execute(spec(Priority.BULK), provider);
        pacer.execute(spec(Priority.INTERACTIVE), provider);
        QuotaView view = pacer.quotas().view(key);
        assertThat(view.queuedByPriority()).containsEntry(Priority.BULK, 2).containsEntry(Priority.INTERACTIVE, 1)
                .containsEntry(Priority.NORMAL, 0);
        assertThat(view.queued()).isEqualTo(3);
        assertThat(pacer.quotas().keys()).containsExactly(key);

        CompletableFuture<?> late = pacer.execute(CallSpec.builder().route(Route.of(target)).cost(Cost.requests(1, 100, 100))
                .deadline(time.instant().plusSeconds(1)).build(), provider);
        assertThat(late).isCompletedExceptionally();
        PacerEvent.CallEnded ended = (PacerEvent.CallEnded) events.stream()
                .filter(e -> e instanceof PacerEvent.CallEnded c && c.callId() == 5).findFirst().orElseThrow();
        assertThat(ended.failure()).isInstanceOf(QuotaWaitExceeded.class);
        assertThat(ended.outcome()).isNull();
        assertThat(ended.succeeded()).isFalse();
    }
}
