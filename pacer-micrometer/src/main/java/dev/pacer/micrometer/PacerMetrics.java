package dev.pacer.micrometer;

import dev.pacer.Pacer;
import dev.pacer.anthropic.AnthropicPacer;
import dev.pacer.anthropic.Usage;
import dev.pacer.anthropic.sdk.PacedAnthropic;
import dev.pacer.micrometer.internal.Names;
import dev.pacer.micrometer.internal.PacerMeters;
import dev.pacer.route.Target;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BiConsumer;
import java.util.function.Function;

/**
 * Pacer's metrics in a Micrometer {@link MeterRegistry}, bound in one line:
 *
 * <pre>{@code
 * PacerMetrics metrics = PacerMetrics.bind(claude, registry);   // an AnthropicPacer, a Pacer, or PacedAnthropic.Options
 * }</pre>
 *
 * Every decision of the engine becomes a counter or a timer (calls by outcome, upstream answers by
 * status — 429 and 529 are separate series —, 429s by dimension, retries by reason, fallbacks,
 * breaker transitions, queue wait by priority, tokens, and cost in USD when given prices
 * ({@link Builder#prices}) and every pool's state a gauge (level, limit
 * and reserved per dimension, waiting by priority, concurrency, share). docs/architecture.md lists
 * each meter with its tags. Tags are bounded and never hold a key: model classes, pools (named by the
 * key's fingerprint), dimensions, priorities, outcomes and statuses, with at most
 * {@link Builder#maxModels} model classes and {@link Builder#maxPools} pools; past them a value is
 * {@code other} (and a pool gets no gauges). {@link #close()} unbinds and removes the meters.
 *
 * <p>An engine that outlives its clients (the gateway's, which builds a new {@code AnthropicPacer} on every
 * reload) is bound once and {@linkplain #hear hears} each client while it serves: every answer's usage is heard
 * once, by the client that got it, into the same meters.
 */
public final class PacerMetrics implements AutoCloseable {

    private final Pacer pacer;
    private final PacerMeters meters;
    private final Runnable unbindUsage;
    /** The clients heard, each once; guarded by itself, with {@code closed}. */
    private final Map<AnthropicPacer, ClientBinding> clients = new IdentityHashMap<>();
    private boolean closed;

    private PacerMetrics(Pacer pacer, PacerMeters meters, Runnable unbindUsage) {
        this.pacer = pacer;
        this.meters = meters;
        this.unbindUsage = unbindUsage;
    }

    /** A client's answers counted by a binding until {@link #close()}; closing twice is harmless. */
    public interface ClientBinding extends AutoCloseable {
        /** Stops hearing the client's answers; what they counted stays in the meters. */
        @Override
        void close();
    }

    /**
     * Counts the answers of {@code claude}, a client over this binding's engine, from now on: their tokens by
     * direction from the API's usage (cache reads and writes included) and, given {@link Builder#prices}, their
     * {@code pacer.cost} — Anthropic's answers and those of the providers its chain falls back to. From the first
     * client heard, a bare engine's binding counts tokens from its clients' usage instead of the settled costs, so
     * hear a client before it sends. Close the returned binding when the client goes (a configuration replaced);
     * {@link #close()} closes those still open.
     *
     * @throws IllegalArgumentException when {@code claude} runs on another engine than this binding's
     */
    public ClientBinding hear(AnthropicPacer claude) {
        Objects.requireNonNull(claude, "claude");
        if (claude.pacer() != pacer) {
            throw new IllegalArgumentException("claude runs on another engine than the one this binding is bound to;"
                    + " bind that engine, or build the client with .pacer(engine).");
        }
        synchronized (clients) {
            if (closed) {
                throw new IllegalStateException("This metrics binding is closed: bind the engine again to hear a client.");
            }
            // Heard once however often it is asked (say bind(claude) and then hear(claude)): each answer counts once.
            return clients.computeIfAbsent(claude, this::listen);
        }
    }

    /** Under {@code clients}' lock: starts hearing {@code claude}. */
    private ClientBinding listen(AnthropicPacer claude) {
        meters.countTokensFromUsage();
        BiConsumer<Target, Usage> usage = meters::usage;
        claude.calls().responses().addUsageListener(usage);
        // The other providers' answers (an OpenAI fallback's) are heard from their fallbacks.
        claude.fallbacks().forEach(f -> f.addUsageListener(usage));
        return new ClientBinding() {
            private final AtomicBoolean ended = new AtomicBoolean();

            @Override
            public void close() {
                if (ended.compareAndSet(false, true)) {
                    claude.calls().responses().removeUsageListener(usage);
                    claude.fallbacks().forEach(f -> f.removeUsageListener(usage));
                    synchronized (clients) {
                        clients.remove(claude, this);
                    }
                }
            }
        };
    }

    /** Binds {@code pacer}'s metrics to {@code registry} with the defaults. */
    public static PacerMetrics bind(Pacer pacer, MeterRegistry registry) {
        return builder().bind(pacer, registry);
    }

    /**
     * Binds the metrics of {@code claude}'s engine to {@code registry} with the defaults; tokens are counted
     * from the API's usage, cache reads and writes included.
     */
    public static PacerMetrics bind(AnthropicPacer claude, MeterRegistry registry) {
        return builder().bind(claude, registry);
    }

    /**
     * Binds the metrics of the engine behind SDK clients wrapped with {@code options} to {@code registry};
     * the tokens (cache reads and writes included) of the clients wrapped after this call are counted.
     */
    public static PacerMetrics bind(PacedAnthropic.Options options, MeterRegistry registry) {
        return builder().bind(options, registry);
    }

    /** A builder, to change the bounds, the model-class naming or add common tags. */
    public static Builder builder() {
        return new Builder();
    }

    /** Stops listening and removes every meter this binding registered. */
    @Override
    public void close() {
        pacer.removeListener(meters);
        unbindUsage.run();
        List<ClientBinding> open;
        synchronized (clients) {
            closed = true;
            open = List.copyOf(clients.values());
        }
        open.forEach(ClientBinding::close);
        meters.removeMeters();
    }

    /** Builds a binding; every setting is validated when set. */
    public static final class Builder {
        private Function<Target, String> modelClass = Names::modelClass;
        private int maxModels = 32;
        private int maxPools = 20;
        private Tags tags = Tags.empty();
        private AnswerPrice prices;

        private Builder() {
        }

        /**
         * Counts {@code pacer.cost} (USD, by model class) at these prices for every answer whose usage the binding
         * hears: bound to an {@code AnthropicPacer} or {@code PacedAnthropic.Options}, or a bare {@code Pacer} hearing
         * its clients ({@link PacerMetrics#hear}), Anthropic's answers and those of the other providers a chain ends
         * with; a bare {@code Pacer}'s settled costs carry no usage, so alone it counts none.
         */
        public Builder prices(AnswerPrice prices) {
            this.prices = Objects.requireNonNull(prices, "prices");
            return this;
        }

        /**
         * How a target is named in the {@code model} tag (default: its pool's model class for a provider
         * that names pools {@code provider:<fingerprint>:<class>}, as the Anthropic provider does; else its
         * model). Must never return a secret.
         */
        public Builder modelClass(Function<Target, String> modelClass) {
            this.modelClass = Objects.requireNonNull(modelClass, "modelClass");
            return this;
        }

        /** Distinct {@code model} values before the rest are {@code other} (default 32, 1 to 1000). */
        public Builder maxModels(int max) {
            this.maxModels = inRange("maxModels", max);
            return this;
        }

        /** Pools with series of their own before the rest are {@code other} (default 20, 1 to 1000). */
        public Builder maxPools(int max) {
            this.maxPools = inRange("maxPools", max);
            return this;
        }

        /** Tags put on every meter (an instance name, say). */
        public Builder tags(Iterable<Tag> tags) {
            this.tags = Tags.of(Objects.requireNonNull(tags, "tags"));
            return this;
        }

        /**
         * Binds {@code pacer} to {@code registry}: its later decisions and its pools' states become meters
         * (tokens in and out as settled, since a bare engine knows no cache split).
         */
        public PacerMetrics bind(Pacer pacer, MeterRegistry registry) {
            PacerMeters meters = meters(pacer, registry, false);
            return new PacerMetrics(pacer, meters, () -> {
            });
        }

        /** Binds {@code claude}'s engine, with tokens by direction from the API's usage (cache reads and writes included). */
        public PacerMetrics bind(AnthropicPacer claude, MeterRegistry registry) {
            Objects.requireNonNull(claude, "claude");
            PacerMetrics metrics = new PacerMetrics(claude.pacer(), meters(claude.pacer(), registry, true), () -> {
            });
            metrics.hear(claude);
            return metrics;
        }

        /**
         * Binds the engine of SDK clients wrapped with {@code options}, with tokens by direction from the API's
         * usage for the clients wrapped after this call (bind before wrapping).
         */
        public PacerMetrics bind(PacedAnthropic.Options options, MeterRegistry registry) {
            Objects.requireNonNull(options, "options");
            PacerMeters meters = meters(options.engine(), registry, true);
            options.onUsage(meters::usage); // ignored once closed
            return new PacerMetrics(options.engine(), meters, () -> {
            });
        }

        private PacerMeters meters(Pacer pacer, MeterRegistry registry, boolean tokensFromUsage) {
            Objects.requireNonNull(pacer, "pacer");
            Objects.requireNonNull(registry, "registry");
            PacerMeters meters = new PacerMeters(pacer, registry, tags, modelClass, maxModels, maxPools, tokensFromUsage, prices);
            pacer.addListener(meters);
            return meters;
        }

        private static int inRange(String name, int value) {
            if (value < 1 || value > 1000) {
                throw new IllegalArgumentException(name + " must be between 1 and 1000, not " + value + ".");
            }
            return value;
        }
    }
}
