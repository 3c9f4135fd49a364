package dev.pacer.status;

import dev.pacer.Pacer;
import dev.pacer.anthropic.AnthropicPacer;
import dev.pacer.anthropic.sdk.PacedAnthropic;
import dev.pacer.micrometer.internal.Names;
import dev.pacer.route.Target;
import dev.pacer.status.internal.StatusDocument;
import dev.pacer.status.internal.StatusRecorder;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.function.Function;

/**
 * The live status of one engine, for people: {@link #json()} is the {@code /status.json} document (per
 * pool each dimension's level against its limit, what is reserved in flight, calls waiting by priority,
 * answers, 429s and 529s over the last 15 minutes; breaker states; recent fallbacks; the limits and
 * where they came from — fields in docs/architecture.md), and {@link #page()} the {@code /status} page,
 * one self-contained HTML file that polls {@code status.json} next to it and redraws itself. Neither
 * shows a key. Server-agnostic: serve them with {@link StatusEndpoints} from any HTTP server.
 *
 * <pre>{@code
 * PacerStatus status = PacerStatus.watch(claude);
 * String json = status.json();
 * }</pre>
 */
public final class PacerStatus implements AutoCloseable {

    private static final String PAGE = load();

    private final Pacer pacer;
    private final StatusRecorder recorder;

    private PacerStatus(Pacer pacer, StatusRecorder recorder) {
        this.pacer = pacer;
        this.recorder = recorder;
    }

    /** Watches {@code pacer} from now on, with the defaults. */
    public static PacerStatus watch(Pacer pacer) {
        return builder().watch(pacer);
    }

    /** Watches {@code claude}'s engine. */
    public static PacerStatus watch(AnthropicPacer claude) {
        return builder().watch(Objects.requireNonNull(claude, "claude").pacer());
    }

    /** Watches the engine behind SDK clients wrapped with {@code options}. */
    public static PacerStatus watch(PacedAnthropic.Options options) {
        return builder().watch(Objects.requireNonNull(options, "options").engine());
    }

    /** A builder, to change the bounds. */
    public static Builder builder() {
        return new Builder();
    }

    /** The {@code /status.json} document now. */
    public String json() {
        return StatusDocument.write(recorder).toPrettyString();
    }

    /** The {@code /status} page: the same for every engine, since it reads everything from {@code status.json}. */
    public static String page() {
        return PAGE;
    }

    /** Stops watching. */
    @Override
    public void close() {
        pacer.removeListener(recorder);
    }

    private static String load() {
        try (InputStream in = PacerStatus.class.getResourceAsStream("status.html")) {
            if (in == null) {
                throw new IllegalStateException("status.html is missing from the pacer-micrometer jar");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Builds a {@link PacerStatus}; every setting is validated when set. */
    public static final class Builder {
        private Function<Target, String> modelClass = Names::modelClass;
        private int maxPools = 50;
        private int recentFallbacks = 20;

        private Builder() {
        }

        /** How a target's model class is named (default as in {@code PacerMetrics}). Must never return a secret. */
        public Builder modelClass(Function<Target, String> modelClass) {
            this.modelClass = Objects.requireNonNull(modelClass, "modelClass");
            return this;
        }

        /** Pools shown, the first seen (default 50, 1 to 1000). */
        public Builder maxPools(int max) {
            if (max < 1 || max > 1000) {
                throw new IllegalArgumentException("maxPools must be between 1 and 1000, not " + max + ".");
            }
            this.maxPools = max;
            return this;
        }

        /** Fallbacks kept for the page (default 20, 0 to 1000). */
        public Builder recentFallbacks(int count) {
            if (count < 0 || count > 1000) {
                throw new IllegalArgumentException("recentFallbacks must be between 0 and 1000, not " + count + ".");
            }
            this.recentFallbacks = count;
            return this;
        }

        /** Watches {@code pacer} from now on. */
        public PacerStatus watch(Pacer pacer) {
            Objects.requireNonNull(pacer, "pacer");
            StatusRecorder recorder = new StatusRecorder(pacer, modelClass, maxPools, recentFallbacks);
            pacer.addListener(recorder);
            return new PacerStatus(pacer, recorder);
        }
    }
}
