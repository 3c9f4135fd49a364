package dev.pacer.gateway;

import dev.pacer.anthropic.ApiKey;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What the gateway does, validated when built: where it listens, the upstream (and, in virtual-key
 * mode, the upstream key and the gateway keys), the fallback models and limits it paces with, its
 * timeouts and its body limit. Immutable; {@link GatewayConfigFile} reads one from YAML, and a
 * reload swaps one for another.
 *
 * @param listen      host and port
 * @param upstream    the upstream: base URL, its key (null: pass-through, the client's key goes on)
 * @param fallbackModels models a Messages call falls back to, in order
 * @param limits      per model class: declared limits (absent: learned from the upstream's headers)
 * @param keys        gateway keys (empty: pass-through mode)
 * @param timeouts    header, idle, body, default deadline and shutdown grace
 * @param bodyLimit   the largest request body taken, in bytes
 * @param providerFallbacks other providers' models after {@code fallbackModels} (OpenAI-compatible endpoints, answering
 *                    in the Anthropic shape; see pacer-openai)
 * @param publicUrl   the URL clients reach the gateway at (say {@code https://llm.example.com} behind a TLS proxy),
 *                    which a batch's {@code results_url} is pointed at; null: from the request (see
 *                    {@code trustForwardedHeaders})
 * @param trustForwardedHeaders whether a request's {@code Forwarded} or {@code X-Forwarded-Proto}/{@code -Host}
 *                    headers say where the client reached the gateway (on only behind a proxy that sets them);
 *                    off: its {@code Host} header over plain HTTP
 */
public record GatewaySettings(Listen listen, Upstream upstream, List<String> fallbackModels, Map<String, ClassLimits> limits,
                              List<VirtualKey> keys, Timeouts timeouts, long bodyLimit,
                              List<dev.pacer.openai.OpenAiEndpoint> providerFallbacks, String publicUrl,
                              boolean trustForwardedHeaders) {

    /** Where the gateway listens. */
    public record Listen(String host, int port) {
        public Listen {
            Objects.requireNonNull(host, "host");
            if (port < 0 || port > 65_535) {
                throw new IllegalArgumentException("port must be between 0 and 65535, not " + port + ".");
            }
        }
    }

    /**
     * The upstream API.
     *
     * @param baseUrl     e.g. {@code https://api.anthropic.com}
     * @param apiKey      the key the gateway sends in virtual-key mode (from an environment variable or a file), else null
     * @param fallbackKey the key sent when a pass-through client sends none (only {@code --sim}), else null
     */
    public record Upstream(String baseUrl, ApiKey apiKey, ApiKey fallbackKey) {
        public Upstream {
            Objects.requireNonNull(baseUrl, "baseUrl");
            URI uri;
            try {
                uri = URI.create(baseUrl);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("upstream.url '" + baseUrl + "' is not a URL; use one like https://api.anthropic.com.");
            }
            if (uri.getScheme() == null || !(uri.getScheme().equals("http") || uri.getScheme().equals("https")) || uri.getHost() == null) {
                throw new IllegalArgumentException("upstream.url '" + baseUrl + "' is not an http(s) URL like https://api.anthropic.com.");
            }
        }
    }

    /** Declared per-minute limits of one model class (0: learned). */
    public record ClassLimits(long rpm, long itpm, long otpm) {
        public ClassLimits {
            if (rpm < 0 || itpm < 0 || otpm < 0) {
                throw new IllegalArgumentException("limits must be 0 (learned) or positive, not rpm=" + rpm + ", itpm=" + itpm
                        + ", otpm=" + otpm + ".");
            }
        }
    }

    /**
     * Timeouts.
     *
     * @param header          a request's line and headers must arrive within this of a new connection's opening; on a
     *                        kept-alive connection, within the idle timeout plus this after the last answer
     * @param idle            a connection with nothing to read or write for this long is closed
     * @param body            a request body must arrive whole within this
     * @param defaultDeadline a call with neither {@code x-pacer-deadline-ms} nor {@code X-Stainless-Timeout} must be admitted within this
     * @param grace           on shutdown, calls and streams in flight get this long to finish
     */
    public record Timeouts(Duration header, Duration idle, Duration body, Duration defaultDeadline, Duration grace) {
        public Timeouts {
            positive("timeouts.header", header);
            positive("timeouts.idle", idle);
            positive("timeouts.body", body);
            positive("timeouts.default-deadline", defaultDeadline);
            Objects.requireNonNull(grace, "grace");
            if (grace.isNegative()) {
                throw new IllegalArgumentException("timeouts.grace must be 0 or more, not " + grace + ".");
            }
        }

        private static void positive(String name, Duration d) {
            Objects.requireNonNull(d, name);
            if (d.isZero() || d.isNegative() || d.compareTo(Duration.ofDays(1)) > 0) {
                throw new IllegalArgumentException(name + " must be between 1 ms and 1 day, not " + d + ".");
            }
        }
    }

    public GatewaySettings {
        Objects.requireNonNull(listen, "listen");
        Objects.requireNonNull(upstream, "upstream");
        Objects.requireNonNull(timeouts, "timeouts");
        fallbackModels = List.copyOf(fallbackModels);
        providerFallbacks = List.copyOf(providerFallbacks);
        limits = Map.copyOf(limits);
        keys = List.copyOf(keys);
        if (bodyLimit < 1024 || bodyLimit > 1L << 31) {
            throw new IllegalArgumentException("body-limit must be between 1 KiB and 2 GiB, not " + bodyLimit + " bytes.");
        }
        if (publicUrl != null) {
            URI uri;
            try {
                uri = URI.create(publicUrl);
            } catch (IllegalArgumentException e) {
                uri = null;
            }
            if (uri == null || uri.getScheme() == null || !(uri.getScheme().equals("http") || uri.getScheme().equals("https"))
                    || uri.getHost() == null || uri.getRawQuery() != null || uri.getRawFragment() != null) {
                throw new IllegalArgumentException("public-url '" + publicUrl + "' is not an http(s) URL like https://llm.example.com.");
            }
            publicUrl = publicUrl.endsWith("/") ? publicUrl.substring(0, publicUrl.length() - 1) : publicUrl;
        }
        if (!keys.isEmpty() && upstream.apiKey() == null) {
            throw new IllegalArgumentException("keys are set (virtual-key mode) but the upstream has no key; set upstream.api-key-env"
                    + " or upstream.api-key-file.");
        }
        java.util.Set<String> seen = new java.util.HashSet<>();
        for (VirtualKey k : keys) {
            if (!seen.add(k.sha256())) {
                throw new IllegalArgumentException("keys: '" + k.name() + "' has the same hash as another key; each key must be distinct.");
            }
        }
    }

    /** True when clients present gateway keys rather than API keys. */
    public boolean virtualKeys() {
        return !keys.isEmpty();
    }

    /** Zero-config: 127.0.0.1:8080, the public API, pass-through, learned limits. */
    public static Builder builder() {
        return new Builder();
    }

    /** A builder starting from these settings. */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.listen = listen;
        b.upstream = upstream;
        b.fallbackModels = new ArrayList<>(fallbackModels);
        b.providerFallbacks = new ArrayList<>(providerFallbacks);
        b.limits = new LinkedHashMap<>(limits);
        b.keys = new ArrayList<>(keys);
        b.timeouts = timeouts;
        b.bodyLimit = bodyLimit;
        b.publicUrl = publicUrl;
        b.trustForwardedHeaders = trustForwardedHeaders;
        return b;
    }

    /** Builds {@link GatewaySettings}; {@link #build()} validates. */
    public static final class Builder {
        private Listen listen = new Listen("127.0.0.1", 8080);
        private Upstream upstream = new Upstream("https://api.anthropic.com", null, null);
        private List<String> fallbackModels = new ArrayList<>();
        private Map<String, ClassLimits> limits = new LinkedHashMap<>();
        private List<VirtualKey> keys = new ArrayList<>();
        private Timeouts timeouts = new Timeouts(Duration.ofSeconds(10), Duration.ofSeconds(120), Duration.ofSeconds(60),
                Duration.ofSeconds(60), Duration.ofSeconds(30));
        private long bodyLimit = 32L * 1024 * 1024;
        private List<dev.pacer.openai.OpenAiEndpoint> providerFallbacks = new ArrayList<>();
        private String publicUrl;
        private boolean trustForwardedHeaders;

        private Builder() {
        }

        /** The URL clients reach the gateway at (null: from each request). */
        public Builder publicUrl(String url) {
            this.publicUrl = url;
            return this;
        }

        /** Whether {@code Forwarded} / {@code X-Forwarded-*} headers say where the client reached the gateway. */
        public Builder trustForwardedHeaders(boolean trust) {
            this.trustForwardedHeaders = trust;
            return this;
        }

        public Builder listen(String host, int port) {
            this.listen = new Listen(host, port);
            return this;
        }

        public Builder upstream(Upstream upstream) {
            this.upstream = Objects.requireNonNull(upstream, "upstream");
            return this;
        }

        public Builder upstreamUrl(String url) {
            this.upstream = new Upstream(url, upstream.apiKey(), upstream.fallbackKey());
            return this;
        }

        /** Other providers' models after the fallback models, in order. */
        public Builder providerFallbacks(List<dev.pacer.openai.OpenAiEndpoint> endpoints) {
            this.providerFallbacks = new ArrayList<>(endpoints);
            return this;
        }

        public Builder fallbackModels(List<String> models) {
            this.fallbackModels = new ArrayList<>(models);
            return this;
        }

        public Builder limit(String modelClass, ClassLimits limit) {
            this.limits.put(modelClass, limit);
            return this;
        }

        public Builder keys(List<VirtualKey> keys) {
            this.keys = new ArrayList<>(keys);
            return this;
        }

        public Builder timeouts(Timeouts timeouts) {
            this.timeouts = Objects.requireNonNull(timeouts, "timeouts");
            return this;
        }

        public Builder bodyLimit(long bytes) {
            this.bodyLimit = bytes;
            return this;
        }

        public Listen listen() {
            return listen;
        }

        public Upstream upstream() {
            return upstream;
        }

        public Timeouts timeouts() {
            return timeouts;
        }

        public GatewaySettings build() {
            return new GatewaySettings(listen, upstream, fallbackModels, limits, keys, timeouts, bodyLimit, providerFallbacks, publicUrl,
                    trustForwardedHeaders);
        }
    }
}
