package dev.pacer.anthropic.functional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.anthropic.client.AnthropicClient;
import com.anthropic.client.okhttp.AnthropicOkHttpClient;
import com.anthropic.models.messages.MessageCreateParams;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pacer.Pacer;
import dev.pacer.anthropic.AnthropicHttp;
import dev.pacer.anthropic.AnthropicPacer;
import dev.pacer.anthropic.AnthropicQuotaKeys;
import dev.pacer.anthropic.ApiKey;
import dev.pacer.anthropic.CallOptions;
import dev.pacer.anthropic.EndpointReply;
import dev.pacer.anthropic.EndpointRequest;
import dev.pacer.anthropic.sdk.PacedAnthropic;
import dev.pacer.quota.Dimension;
import dev.pacer.quota.Limit;
import dev.pacer.quota.Priority;
import dev.pacer.quota.QuotaKey;
import dev.pacer.retry.RetryPolicy;
import dev.pacer.sim.FaultProfile;
import dev.pacer.sim.SimServer;
import dev.pacer.sim.Tier;
import dev.pacer.time.ScaledClock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/**
 * The brief: never an API key in a log line, a metric label or an error message. Every event, debug
 * note, exception (with its causes) and toString that both clients produce over successes, request
 * errors, rate limits, resets and a quota wait past its deadline is searched for the key, whether
 * it is the client's own or given per request.
 */
class ApiKeyNeverLeaksTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    /** Made up per run, so no key-shaped literal sits in the tree; the secret part is what must never show. */
    private static final String SECRET = java.util.UUID.randomUUID().toString().replace("-", "");
    private static final String KEY = "sk-ant-test-" + SECRET;
    private static final double SCALE = 60;
    /** A second key, given per request (a gateway's caller, a team's key in a shared batch runner). */
    private static final String SECRET_2 = java.util.UUID.randomUUID().toString().replace("-", "");
    private static final String KEY_2 = "sk-ant-test-" + SECRET_2;

    private final List<String> seen = new CopyOnWriteArrayList<>();

    private Pacer pacer(SimServer sim, int attempts) {
        ScaledClock clock = new ScaledClock(sim.clock().now(), SCALE);
        // A pool too small for any request: admission refuses with a message naming the pool.
        QuotaKey tiny = AnthropicQuotaKeys.forModelClass(ApiKey.of(KEY), "haiku-3-5");
        return Pacer.builder().clock(clock).scheduler(clock).listener(e -> seen.add(String.valueOf(e)))
                .limit(tiny, Dimension.INPUT_TOKENS, Limit.perMinute(2))
                .retryPolicy(RetryPolicy.builder().maxAttempts(attempts).baseDelay(Duration.ofMillis(5)).maxRateLimitedRetries(0).build())
                .build();
    }

    private void record(Throwable error) {
        for (Throwable t = error; t != null; t = t.getCause() == t ? null : t.getCause()) {
            seen.add(t.toString());
            seen.add(String.valueOf(t.getMessage()));
        }
    }

    private static ObjectNode params(String model) {
        ObjectNode p = JSON.createObjectNode().put("model", model).put("max_tokens", 50);
        p.putArray("messages").addObject().put("role", "user").put("content", "hi");
        return p;
    }

    @Test
    void noEventNoteExceptionOrToStringOfEitherClientHoldsTheKey() throws Exception {
        try (SimServer sim = SimServer.builder().tier(Tier.TIER_1).timeScale(SCALE).seed(9).start()) {
            // Pacer's own client.
            try (AnthropicHttp http = AnthropicHttp.builder().baseUrl(sim.baseUrl()).apiKey(KEY).build();
                 AnthropicPacer claude = AnthropicPacer.builder().http(http).pacer(pacer(sim, 2)).debug(seen::add).build()) {
                seen.add(http.toString());
                seen.add(claude.toString());
                seen.add(claude.quotaKey("claude-nova-9").toString()); // an unknown model: a debug note
                claude.messages(params("claude-haiku-4-5"), Priority.NORMAL, null).join();
                ObjectNode bad = params("claude-haiku-4-5");
                bad.remove("messages");
                record(catchThrowable(() -> claude.messages(bad, Priority.NORMAL, null).join()));
                Throwable refused = catchThrowable(() -> claude.messages(params("claude-3-5-haiku-latest"), Priority.NORMAL, null).join());
                assertThat(refused).hasRootCauseInstanceOf(dev.pacer.CapacityExceeded.class);
                record(refused);
                sim.setFaults(FaultProfile.NONE.withErrors(0, 0, 1.0));
                record(catchThrowable(() -> claude.messages(params("claude-haiku-4-5"), Priority.NORMAL, null).join()));
                // Streams: one read to its end, one that breaks off mid-way (StreamFailed, with the request id).
                sim.setFaults(FaultProfile.NONE);
                try (dev.pacer.anthropic.MessageStream stream = claude.stream(params("claude-haiku-4-5"), Priority.NORMAL, null).join()) {
                    while (stream.next() != null) {
                        seen.add(stream.toString());
                    }
                }
                sim.setFaults(FaultProfile.NONE.withMidStreamError(1.0, 2));
                try (dev.pacer.anthropic.MessageStream stream = claude.stream(params("claude-haiku-4-5"), Priority.NORMAL, null).join()) {
                    Throwable broken = catchThrowable(() -> {
                        while (stream.next() != null) {
                            // until it breaks
                        }
                    });
                    assertThat(broken).isInstanceOf(dev.pacer.anthropic.StreamFailed.class);
                    record(broken);
                }
                sim.setFaults(FaultProfile.NONE);
            }
            // The SDK adapter.
            PacedAnthropic.Options options = PacedAnthropic.options().pacer(pacer(sim, 2)).debug(seen::add);
            seen.add(options.toString());
            AnthropicClient client = PacedAnthropic.wrap(AnthropicOkHttpClient.builder().baseUrl(sim.baseUrl()).apiKey(KEY), options);
            try {
                client.messages().create(MessageCreateParams.builder().model("claude-haiku-4-5").maxTokens(50).addUserMessage("hi").build());
                record(catchThrowable(() -> client.messages().create(MessageCreateParams.builder().model("claude-haiku-4-5")
                        .maxTokens(0).addUserMessage("hi").build())));
                record(catchThrowable(() -> client.messages().create(MessageCreateParams.builder().model("claude-nova-9").maxTokens(50)
                        .addUserMessage("hi").build()))); // unknown to the table (a note) and to the simulator (404)
                sim.setFaults(FaultProfile.NONE.withErrors(0, 0, 1.0));
                record(catchThrowable(() -> client.messages().create(MessageCreateParams.builder().model("claude-haiku-4-5").maxTokens(50)
                        .addUserMessage("hi").build())));
            } finally {
                client.close();
            }
        }
        List<String> failures = new ArrayList<>(seen);
        assertThat(failures).as("events, notes and errors recorded").hasSizeGreaterThan(20);
        assertThat(failures).anyMatch(s -> s.contains("CapacityExceeded") && s.contains("haiku-3-5"));
        assertThat(failures).anyMatch(s -> s.contains("CallFailed"));
        assertThat(failures).anyMatch(s -> s.contains("AnthropicIoException"));
        assertThat(failures).anyMatch(s -> s.contains("claude-nova-9"));
        assertThat(failures).anyMatch(s -> s.contains("StreamFailed") && s.contains("request-id req_"));
        assertThat(failures).noneMatch(s -> s.contains(KEY) || s.contains(SECRET));
    }

    @Test
    void noneOfItHoldsAKeyGivenPerRequest() throws Exception {
        try (SimServer sim = SimServer.builder().tier(Tier.TIER_1).timeScale(SCALE).seed(10)
                .configure(c -> c.batches(5, 100_000)).start()) {
            // Pacer's own client with no key of its own: every call brings one.
            try (AnthropicPacer claude = AnthropicPacer.builder().baseUrl(sim.baseUrl()).pacer(pacer(sim, 2)).debug(seen::add).build()) {
                CallOptions options = CallOptions.defaults().withApiKey(KEY_2).withHeader("anthropic-beta", "x");
                seen.add(options.toString());
                seen.add(options.apiKey().toString());
                seen.add(claude.quotaKey(options.apiKey(), "claude-nova-9").toString()); // an unknown model: a debug note
                seen.add(claude.calls().messages(options.apiKey(), params("claude-haiku-4-5"), Priority.NORMAL, null, -1).toString());
                seen.add(new AnthropicHttp.Request("POST", "/v1/messages", new byte[0], options.apiKey(), options.headers(),
                        Duration.ofSeconds(1)).toString());
                seen.add(claude.messages(params("claude-haiku-4-5"), options).join().toString());
                ObjectNode bad = params("claude-haiku-4-5");
                bad.remove("messages");
                record(catchThrowable(() -> claude.messages(bad, options).join()));
                record(catchThrowable(() -> claude.messages(params("claude-haiku-4-5"), CallOptions.defaults()).join())); // no key at all
                EndpointReply unknown = claude.send(EndpointRequest.get("/v1/messages/batches/msgbatch_nope"), options).join();
                seen.add(unknown.toString());
                seen.add(unknown.outcome().describe());
                seen.add(unknown.headers().toString());
                seen.add(String.valueOf(claude.countTokens(params("claude-haiku-4-5"), options).join()));
                try (dev.pacer.anthropic.MessageStream stream = claude.stream(params("claude-haiku-4-5"), options).join()) {
                    while (stream.next() != null) {
                        seen.add(stream.toString());
                    }
                }
                sim.setFaults(FaultProfile.NONE.withErrors(0, 0, 1.0));
                record(catchThrowable(() -> claude.messages(params("claude-haiku-4-5"), options).join()));
                record(catchThrowable(() -> claude.send(EndpointRequest.get("/v1/models"), options).join()));
                sim.setFaults(FaultProfile.NONE);
            }
            // The SDK adapter: two clients with different keys on one set of options.
            PacedAnthropic.Options shared = PacedAnthropic.options().pacer(pacer(sim, 2)).debug(seen::add);
            AnthropicClient first = PacedAnthropic.wrap(AnthropicOkHttpClient.builder().baseUrl(sim.baseUrl()).apiKey(KEY), shared);
            AnthropicClient second = PacedAnthropic.wrap(AnthropicOkHttpClient.builder().baseUrl(sim.baseUrl()).apiKey(KEY_2), shared);
            try {
                for (AnthropicClient client : List.of(first, second)) {
                    client.messages().create(MessageCreateParams.builder().model("claude-haiku-4-5").maxTokens(50).addUserMessage("hi").build());
                    record(catchThrowable(() -> client.messages().create(MessageCreateParams.builder().model("claude-haiku-4-5")
                            .maxTokens(0).addUserMessage("hi").build())));
                    record(catchThrowable(() -> client.messages().batches().retrieve("msgbatch_nope")));
                }
            } finally {
                first.close();
                second.close();
            }
        }
        List<String> recorded = new ArrayList<>(seen);
        assertThat(recorded).as("events, notes and errors recorded").hasSizeGreaterThan(20);
        assertThat(recorded).anyMatch(s -> s.contains("CallFailed"));
        assertThat(recorded).anyMatch(s -> s.contains("No API key"));
        assertThat(recorded).anyMatch(s -> s.contains("msgbatch_nope"));
        assertThat(recorded).anyMatch(s -> s.contains("claude-nova-9"));
        assertThat(recorded).anyMatch(s -> s.contains(AnthropicPacer.fingerprint(KEY_2)));
        assertThat(recorded).noneMatch(s -> s.contains(SECRET_2) || s.contains(SECRET));
    }
}
