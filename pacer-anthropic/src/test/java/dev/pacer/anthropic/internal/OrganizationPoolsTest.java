package dev.pacer.anthropic.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pacer.AttemptResult;
import dev.pacer.CallResult;
import dev.pacer.CallSpec;
import dev.pacer.Pacer;
import dev.pacer.anthropic.AnthropicCalls;
import dev.pacer.anthropic.AnthropicQuotaKeys;
import dev.pacer.anthropic.ApiKey;
import dev.pacer.outcome.Outcome;
import dev.pacer.quota.Cost;
import dev.pacer.quota.Dimension;
import dev.pacer.quota.Limit;
import dev.pacer.quota.Priority;
import dev.pacer.quota.QuotaKey;
import dev.pacer.route.Route;
import dev.pacer.route.Target;
import dev.pacer.time.VirtualTime;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The merge of two keys' pools once their answers show one organization and workspace, on virtual
 * time: names, what carries over, and the calls still on the old pool (queued ones admitted on both
 * pools, one in flight bridged), so that the merge cannot over-admit.
 */
class OrganizationPoolsTest {

    private static final String MODEL = "claude-sonnet-4-5";
    private static final ApiKey A = ApiKey.of("sk-ant-first-key");
    private static final ApiKey B = ApiKey.of("sk-ant-second-key");

    private VirtualTime time;
    private Pacer pacer;
    private AnthropicCalls calls;
    private final List<String> notes = new ArrayList<>();

    @BeforeEach
    void setUp() {
        time = new VirtualTime(Instant.parse("2026-12-01T00:00:00Z"));
        pacer = Pacer.builder().time(time).executor(Runnable::run).build(); // attempts run on the calling thread: deterministic
        calls = AnthropicCalls.builder().clock(time).quotas(pacer.quotas()).debug(notes::add).build();
    }

    private static Function<String, Optional<String>> answer(String organization, String workspace) {
        Map<String, String> h = workspace == null ? Map.of("anthropic-organization-id", organization)
                : Map.of("anthropic-organization-id", organization, "anthropic-workspace-id", workspace);
        return name -> Optional.ofNullable(h.get(name));
    }

    private QuotaKey pool(ApiKey key) {
        return calls.target(key, MODEL).quotaKey();
    }

    @Test
    void keysShowingOneOrganizationAndWorkspaceDrawFromThePoolOfTheFirst() {
        QuotaKey first = pool(A);
        QuotaKey second = pool(B);
        assertThat(first).isEqualTo(AnthropicQuotaKeys.forModelClass(A, "sonnet-4"));
        assertThat(second).as("before its first answer a key is its own pool").isEqualTo(AnthropicQuotaKeys.forModelClass(B, "sonnet-4"));
        calls.heard(A, answer("org-1", "wrkspc_1"));
        assertThat(pool(A)).as("a key alone in its organization keeps its name").isEqualTo(first);
        calls.heard(B, answer("org-1", "wrkspc_1"));
        assertThat(pool(B)).isEqualTo(first);
        assertThat(calls.mergedInto(second)).isEqualTo(first);
        assertThat(first.id()).doesNotContain(A.secret()).doesNotContain("org-1").startsWith("anthropic:" + A.fingerprint() + ":");
        assertThat(notes).anySatisfy(n -> assertThat(n).contains(second.id()).contains(first.id()));
        assertThat(String.join(" ", notes)).doesNotContain(A.secret()).doesNotContain(B.secret());

        ApiKey otherWorkspace = ApiKey.of("sk-ant-third-key");
        pool(otherWorkspace);
        calls.heard(otherWorkspace, answer("org-1", "wrkspc_2"));
        assertThat(pool(otherWorkspace)).as("another workspace is another pool")
                .isEqualTo(AnthropicQuotaKeys.forModelClass(otherWorkspace, "sonnet-4"));
        ApiKey noWorkspaceHeader = ApiKey.of("sk-ant-fourth-key");
        calls.heard(noWorkspaceHeader, answer("org-1", null));
        assertThat(pool(noWorkspaceHeader)).isNotEqualTo(first);
    }

    @Test
    void aPoolNobodyOfTheOrganizationUsedYetBecomesTheFirstUsersAndEndpointsMergeToo() {
        calls.heard(A, answer("org-1", "wrkspc_1"));
        calls.heard(B, answer("org-1", "wrkspc_1"));
        QuotaKey haiku = calls.target(B, "claude-haiku-4-5").quotaKey();
        assertThat(haiku).isEqualTo(AnthropicQuotaKeys.forModelClass(B, "haiku-4-5"));
        assertThat(calls.target(A, "claude-haiku-4-5").quotaKey()).isEqualTo(haiku);
        QuotaKey counting = calls.endpoint(A, "/v1/messages/count_tokens", Priority.NORMAL, null).route().targets().get(0).quotaKey();
        assertThat(calls.endpoint(B, "/v1/messages/count_tokens", Priority.NORMAL, null).route().targets().get(0).quotaKey())
                .isEqualTo(counting).isEqualTo(AnthropicQuotaKeys.countTokens(A));
    }

    @Test
    void whatTheOldPoolLearnedCarriesOver() {
        QuotaKey first = pool(A);
        calls.heard(A, answer("org-1", "wrkspc_1"));
        QuotaKey second = pool(B);
        Instant until = time.instant().plusSeconds(30);
        pacer.quotas().setLimit(second, Dimension.REQUESTS, Limit.perMinute(10));
        pacer.quotas().pause(second, null, until);
        calls.heard(B, answer("org-1", "wrkspc_1"));
        assertThat(pacer.quotas().view(first).dimension(Dimension.REQUESTS).limit()).isEqualTo(Limit.perMinute(10));
        assertThat(pacer.quotas().view(first).pausedUntil()).as("a 429's pause holds for the organization").isEqualTo(until);
    }

    @Test
    void aCallQueuedOnTheOldPoolMustAlsoFitTheSharedPool() {
        QuotaKey first = pool(A);
        calls.heard(A, answer("org-1", "wrkspc_1"));
        pacer.quotas().setLimit(first, Dimension.REQUESTS, Limit.perMinute(2));
        Target old = calls.target(B, MODEL);
        pacer.quotas().setLimit(old.quotaKey(), Dimension.REQUESTS, Limit.perMinute(100));
        calls.heard(B, answer("org-1", "wrkspc_1"));

        List<CompletableFuture<AttemptResult<String>>> sent = new ArrayList<>();
        List<CompletableFuture<CallResult<String>>> results = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            CallSpec spec = CallSpec.builder().route(Route.of(old)).cost(Cost.of(Dimension.REQUESTS, 1)).build();
            results.add(pacer.execute(spec, calls.attempt(ctx -> {
                CompletableFuture<AttemptResult<String>> f = new CompletableFuture<>();
                sent.add(f);
                return f;
            })));
        }
        time.runDue();
        assertThat(sent).as("the old pool has room for 100, the shared one for 2").hasSize(2);
        assertThat(pacer.quotas().view(first).dimension(Dimension.REQUESTS).reserved()).isEqualTo(2);
        for (CompletableFuture<AttemptResult<String>> f : List.copyOf(sent)) {
            f.complete(AttemptResult.success(Outcome.success(200, null), "ok", Cost.of(Dimension.REQUESTS, 1)));
        }
        assertThat(pacer.quotas().view(first).dimension(Dimension.REQUESTS).reserved()).isZero();
        assertThat(sent).hasSize(2);
        time.advance(Duration.ofSeconds(31)); // 2 a minute: one more after 30 s
        assertThat(sent).hasSize(3);
        sent.get(2).complete(AttemptResult.success(Outcome.success(200, null), "ok", Cost.of(Dimension.REQUESTS, 1)));
        assertThat(results).allSatisfy(r -> assertThat(r).isCompleted());
        assertThat(pacer.quotas().view(first).dimension(Dimension.REQUESTS).level()).as("all three were charged to the shared pool")
                .isLessThan(1);
    }

    @Test
    void aCallInFlightOnTheOldPoolAtTheMergeHoldsABridgeOnTheSharedPoolUntilItEnds() {
        QuotaKey first = pool(A);
        calls.heard(A, answer("org-1", "wrkspc_1"));
        pacer.quotas().setLimit(first, Dimension.REQUESTS, Limit.perMinute(5));
        Target old = calls.target(B, MODEL);
        pacer.quotas().setLimit(old.quotaKey(), Dimension.REQUESTS, Limit.perMinute(100));
        CompletableFuture<AttemptResult<String>> inFlight = new CompletableFuture<>();
        CallSpec spec = CallSpec.builder().route(Route.of(old)).cost(Cost.of(Dimension.REQUESTS, 1)).build();
        CompletableFuture<CallResult<String>> result = pacer.execute(spec, calls.attempt(ctx -> inFlight));
        time.runDue();
        assertThat(pacer.quotas().view(first).dimension(Dimension.REQUESTS).reserved()).isZero();

        calls.heard(B, answer("org-1", "wrkspc_1"));
        time.runDue();
        assertThat(pacer.quotas().view(first).dimension(Dimension.REQUESTS).reserved()).as("the bridge").isEqualTo(1);
        inFlight.complete(AttemptResult.success(Outcome.success(200, null), "ok", Cost.of(Dimension.REQUESTS, 1)));
        assertThat(result).isCompleted();
        assertThat(pacer.quotas().view(first).dimension(Dimension.REQUESTS).reserved()).isZero();
        assertThat(pacer.quotas().view(first).dimension(Dimension.REQUESTS).level()).as("settled: charged as the call was").isLessThan(4.01);
    }

    @Test
    void withoutTheEnginesQuotasNothingMerges() {
        AnthropicCalls alone = AnthropicCalls.builder().clock(time).build();
        alone.heard(A, answer("org-1", "wrkspc_1"));
        alone.heard(B, answer("org-1", "wrkspc_1"));
        assertThat(alone.target(B, MODEL).quotaKey()).isEqualTo(AnthropicQuotaKeys.forModelClass(B, "sonnet-4"));
    }

    @Test
    void anIdentityThatIsNotAShortPrintableTokenIsIgnored() {
        calls.heard(A, answer("org-1", "wrkspc_1"));
        calls.heard(B, answer("org-1\u00e9", "wrkspc_1"));
        calls.heard(B, answer("x".repeat(500), "wrkspc_1"));
        assertThat(pool(B)).isEqualTo(AnthropicQuotaKeys.forModelClass(B, "sonnet-4"));
        assertThat(notes).anySatisfy(n -> assertThat(n).contains("not a short printable token"));
    }
}
