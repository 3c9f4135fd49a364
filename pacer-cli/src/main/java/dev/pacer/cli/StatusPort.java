package dev.pacer.cli;

import dev.pacer.Pacer;
import dev.pacer.anthropic.AnthropicPacer;
import dev.pacer.batch.BatchRunner;
import dev.pacer.batch.Prices;
import dev.pacer.cli.PacerCommand.UsageException;
import dev.pacer.micrometer.PacerMetrics;
import dev.pacer.status.PacerStatus;
import dev.pacer.status.StatusEndpoints;
import dev.pacer.status.StatusServer;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.util.concurrent.atomic.AtomicReference;

/**
 * {@code batch run --status-port N}: the status page, {@code /status.json} and {@code /metrics} (with
 * the JVM's own metrics) on the JDK's HTTP server while the job runs. The port is bound before the run
 * starts (so a port in use is said at once); each engine the run builds is watched from the moment it
 * exists, and until then the endpoints answer 503. The live run's client is heard too, so {@code /metrics}
 * has the answers' tokens by direction and their cost ({@code pacer_cost_usd_total}, at the run's prices).
 */
final class StatusPort implements AutoCloseable {

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final JvmGcMetrics gc = new JvmGcMetrics();
    private final AtomicReference<StatusEndpoints> current = new AtomicReference<>();
    private final StatusServer server;
    private final Prices prices;
    private PacerMetrics metrics;
    /** The live client heard now, if any; closed when another is heard or the engine is replaced. */
    private PacerMetrics.ClientBinding heard;
    private PacerStatus status;

    private StatusPort(String host, int port, Prices prices) throws IOException {
        this.prices = prices;
        new JvmMemoryMetrics().bindTo(registry);
        gc.bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ClassLoaderMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
        this.server = StatusServer.start(current::get, host, port);
    }

    /**
     * Serves on {@code host:port}, pricing the answers' cost with {@code prices}.
     *
     * @throws UsageException with one sentence when the port is out of range or cannot be bound
     */
    static StatusPort open(String host, int port, Prices prices) {
        check(host, port);
        try {
            return new StatusPort(host, port, java.util.Objects.requireNonNull(prices, "prices"));
        } catch (IOException | RuntimeException e) {
            throw new UsageException("--status-port " + port + " cannot be served on " + host + " (" + e.getMessage()
                    + "); choose another port, or free this one.");
        }
    }

    /**
     * Checks the flags before anything starts.
     *
     * @throws UsageException with one sentence when the port is out of range or the host unknown
     */
    static void check(String host, int port) {
        if (port < 1 || port > 65_535) {
            throw new UsageException("--status-port must be a port between 1 and 65535, not " + port + ".");
        }
        try {
            java.net.InetAddress.getByName(host);
        } catch (java.net.UnknownHostException e) {
            throw new UsageException("--status-host '" + host + "' is not a known host or address; use 127.0.0.1 (the default) or 0.0.0.0.");
        }
    }

    /** Where the page is. */
    String url() {
        return server.baseUrl() + StatusEndpoints.STATUS;
    }

    /** Adds meters of the run's own (the Redis store's degraded gauge) to {@code /metrics}. */
    void bind(io.micrometer.core.instrument.binder.MeterBinder binder) {
        binder.bindTo(registry);
    }

    /** Watches every engine {@code runner} builds, and hears its live client's answers. */
    void follow(BatchRunner runner) {
        runner.onEngine(this::watch).onClient(this::hear);
    }

    /** Watches {@code pacer} from now on, in place of the engine watched before. */
    synchronized void watch(Pacer pacer) {
        closeWatch();
        metrics = PacerMetrics.builder().prices(prices::ofAnswer).bind(pacer, registry);
        status = PacerStatus.watch(pacer);
        current.set(StatusEndpoints.of(status, StatusEndpoints.prometheus(registry)));
    }

    /** Counts the answers of {@code claude}, a client over the engine watched now, until that engine is replaced. */
    synchronized void hear(AnthropicPacer claude) {
        if (heard != null) {
            heard.close();
        }
        heard = metrics.hear(claude);
    }

    private void closeWatch() {
        if (heard != null) {
            heard.close();
            heard = null;
        }
        if (metrics != null) {
            metrics.close();
            status.close();
        }
    }

    @Override
    public synchronized void close() {
        server.close();
        closeWatch();
        gc.close();
        registry.close();
    }
}
