package dev.pacer.micrometer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pacer.AttemptResult;
import dev.pacer.CallSpec;
import dev.pacer.Pacer;
import dev.pacer.outcome.Outcome;
import dev.pacer.quota.Cost;
import dev.pacer.quota.Dimension;
import dev.pacer.quota.QuotaKey;
import dev.pacer.quota.Quotas;
import dev.pacer.quota.RateLimitSnapshot;
import dev.pacer.route.Route;
import dev.pacer.route.Target;
import dev.pacer.time.VirtualTime;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** The binder on a bare engine, on a virtual clock. */
class PacerMetricsTest {

    private final VirtualTime time = new VirtualTime();
    private final QuotaKey key = QuotaKey.of("acct:metrics");
    private final Target target = Target.of("scripted", "model-a", key);

    private CompletableFuture<?> call(Pacer pacer) {
        RateLimitSnapshot snapshot = new RateLimitSnapshot(time.instant(),
                Map.of(Dimension.REQUESTS, new RateLimitSnapshot.Entry(60, 59, time.instant().plusSeconds(1), 1)));
        return pacer.execute(CallSpec.builder().route(Route.of(target)).cost(Cost.requests(1, 100, 50)).build(),
                ctx -> CompletableFuture.completedFuture(AttemptResult.success(Outcome.success(200, snapshot), "ok",
                        Cost.requests(1, 80, 40))));
    }

    @Test
    void anEngineOnQuotasOfItsOwnStillGetsItsPoolGaugesAndATargetIsNamedByItsModel() {
        // Quotas passed in do not forward admission events to the engine's listeners: the gauges come from the answers.
        Pacer pacer = Pacer.builder().time(time).executor(Runnable::run).quotas(Quotas.builder().time(time).build()).build();
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (PacerMetrics metrics = PacerMetrics.bind(pacer, registry)) {
            call(pacer);
            time.advance(Duration.ofSeconds(1));
            assertThat(registry.get("pacer.quota.limit").tags("pool", "acct:metrics", "dimension", "requests").gauge().value()).isEqualTo(60);
            assertThat(registry.get("pacer.calls").tags("model", "model-a", "outcome", "success").counter().count()).isEqualTo(1);
            assertThat(registry.get("pacer.tokens").tags("direction", "input").counter().count()).isEqualTo(80);
            assertThat(registry.get("pacer.concurrency.limit").gauge().value()).isNaN();
        }
        assertThat(registry.getMeters()).isEmpty();
        call(pacer); // unbound: nothing comes back
        assertThat(registry.getMeters()).isEmpty();
    }

    @Test
    void theBuilderRefusesBoundsOutOfRange() {
        assertThatThrownBy(() -> PacerMetrics.builder().maxPools(0)).hasMessage("maxPools must be between 1 and 1000, not 0.");
        assertThatThrownBy(() -> PacerMetrics.builder().maxModels(1001)).hasMessage("maxModels must be between 1 and 1000, not 1001.");
    }
}
