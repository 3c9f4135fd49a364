package dev.pacer.gateway.internal;

import dev.pacer.Pacer;
import dev.pacer.anthropic.AnthropicHttp;
import dev.pacer.anthropic.AnthropicPacer;
import dev.pacer.anthropic.AnthropicQuotaKeys;
import dev.pacer.anthropic.ApiKey;
import dev.pacer.anthropic.CallOptions;
import dev.pacer.gateway.GatewaySettings;
import dev.pacer.quota.Dimension;
import dev.pacer.quota.Limit;
import dev.pacer.quota.Priority;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What one configuration of the gateway serves with: its settings, the Anthropic pipeline
 * ({@link AnthropicPacer}, over the engine every configuration shares, so a reload keeps what was
 * learned about each quota), its keys and their own limits. A reload builds a new one and swaps it
 * in; exchanges already running finish on the one they started with, and their answers are still
 * metered (the pipeline is heard by {@code /metrics} until it is closed).
 */
public final class GatewayRuntime {

    private final GatewaySettings settings;
    private final JettyWire upstream;
    private final AnthropicHttp http;
    private final AnthropicPacer claude;
    private final GatewayKeys keys;
    private final KeyLimits keyLimits;
    private final GatewayTime<?> time;
    private final dev.pacer.micrometer.PacerMetrics.ClientBinding metered;
    private final Set<String> limitsDeclared = ConcurrentHashMap.newKeySet();

    public GatewayRuntime(GatewaySettings settings, Pacer pacer, GatewayTime<?> time, StatusHandler status) {
        this.settings = settings;
        this.time = time;
        this.upstream = new JettyWire(10_000); // the upstream hop (why Jetty's client: JettyWire)
        this.http = AnthropicHttp.builder().baseUrl(settings.upstream().baseUrl()).wire(upstream).build();
        AnthropicPacer.Builder cb = AnthropicPacer.builder().http(http).pacer(pacer).fallbackModels(settings.fallbackModels());
        for (dev.pacer.openai.OpenAiEndpoint other : settings.providerFallbacks()) {
            cb.fallback(dev.pacer.openai.OpenAiFallback.builder(other).pacer(pacer).build());
        }
        this.claude = cb.build();
        this.keys = new GatewayKeys(settings);
        this.keyLimits = new KeyLimits(settings.keys(), time.time());
        this.metered = status.hear(claude); // last: a configuration that fails above leaves no listener behind
    }

    public GatewaySettings settings() {
        return settings;
    }

    public AnthropicPacer claude() {
        return claude;
    }

    public GatewayKeys keys() {
        return keys;
    }

    public KeyLimits keyLimits() {
        return keyLimits;
    }

    public GatewayTime<?> time() {
        return time;
    }

    /** How a call of {@code caller} with {@code asked} goes through the pipeline. */
    public CallOptions options(GatewayKeys.Caller caller, CallHeaders asked) {
        declareLimits(caller.upstreamKey());
        return CallOptions.defaults().withApiKey(caller.upstreamKey()).withPriority(priority(caller, asked))
                .withDeadline(time.deadline(asked.patience())).withHeaders(asked.forwarded()).withClientRetries(asked.clientRetries());
    }

    /** The request's class; a gateway key's class is the highest its requests may ask for. */
    public Priority priority(GatewayKeys.Caller caller, CallHeaders asked) {
        Priority own = caller.key() == null ? null : caller.key().priority();
        Priority p = asked.priority();
        if (p == null) {
            return own == null ? Priority.NORMAL : own;
        }
        return own != null && own.ordinal() > p.ordinal() ? own : p;
    }

    /** The configured per-class limits, given to each upstream key's pools the first time it is seen. */
    private void declareLimits(ApiKey key) {
        if (settings.limits().isEmpty() || !limitsDeclared.add(key.fingerprint())) {
            return;
        }
        settings.limits().forEach((modelClass, l) -> {
            var q = AnthropicQuotaKeys.forModelClass(key, modelClass);
            if (l.rpm() > 0) {
                claude.pacer().quotas().setLimit(q, Dimension.REQUESTS, Limit.perMinute(l.rpm()));
            }
            if (l.itpm() > 0) {
                claude.pacer().quotas().setLimit(q, Dimension.INPUT_TOKENS, Limit.perMinute(l.itpm()));
            }
            if (l.otpm() > 0) {
                claude.pacer().quotas().setLimit(q, Dimension.OUTPUT_TOKENS, Limit.perMinute(l.otpm()));
            }
        });
    }

    /** Releases this configuration's HTTP client (after the exchanges that use it have ended). */
    public void close() {
        metered.close();
        claude.close();
        http.close();
        upstream.close();
    }
}
