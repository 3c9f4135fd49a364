package dev.pacer.gateway;

import dev.pacer.Pacer;
import dev.pacer.gateway.internal.ConnectionGuard;
import dev.pacer.gateway.internal.GatewayHandler;
import dev.pacer.gateway.internal.GatewayRuntime;
import dev.pacer.gateway.internal.GatewayTime;
import dev.pacer.gateway.internal.HealthHandler;
import dev.pacer.gateway.internal.PassThrough;
import dev.pacer.gateway.internal.SpendLedger;
import dev.pacer.gateway.internal.StatusHandler;
import dev.pacer.time.PacerClock;
import dev.pacer.time.PacerScheduler;
import java.io.IOException;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.handler.GracefulHandler;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * The gateway: an Anthropic-compatible HTTP endpoint behind which every call is paced, retried and
 * fallen back by Pacer. Any client reaches it by setting {@code ANTHROPIC_BASE_URL}. Jetty 12 core
 * handlers on virtual threads (see {@code docs/http-stack.md}); one engine for the gateway's life, so
 * a {@link #reload} keeps what was learned about each quota.
 *
 * <pre>{@code
 * try (Gateway gateway = Gateway.builder().settings(GatewaySettings.builder().listen("127.0.0.1", 0).build()).start()) {
 *     // point a client at gateway.url()
 * }
 * }</pre>
 */
public final class Gateway implements AutoCloseable {

    private final Server server;
    private final ServerConnector connector;
    private final AtomicReference<GatewayRuntime> runtime;
    private final Pacer pacer;
    private final GatewayTime<?> time;
    private final PassThrough passThrough;
    private final StatusHandler status;
    private final Consumer<String> log;
    private final AtomicBoolean stopping = new AtomicBoolean();

    private Gateway(Builder b) throws IOException {
        this.log = b.log;
        this.time = b.time;
        Pacer.Builder engine = Pacer.builder().clock(time.time()).scheduler(time.time());
        if (b.store != null) {
            engine.store(b.store); // one quota shared with every gateway and run on the same store
        }
        this.pacer = engine.build();
        GatewaySettings s = b.settings;
        this.status = new StatusHandler(pacer);
        this.runtime = new AtomicReference<>(new GatewayRuntime(s, pacer, time, status));
        this.passThrough = new PassThrough();
        QueuedThreadPool pool = new QueuedThreadPool();
        pool.setName("pacer-gateway");
        pool.setVirtualThreadsExecutor(Executors.newVirtualThreadPerTaskExecutor());
        this.server = new Server(pool);
        HttpConfiguration http = new HttpConfiguration();
        http.setSendServerVersion(false);
        http.setSendXPoweredBy(false);
        ConnectionGuard guard = new ConnectionGuard(s.timeouts().header(), s.timeouts().idle());
        this.connector = new ServerConnector(server, new org.eclipse.jetty.server.HttpConnectionFactory(http));
        connector.setHost(s.listen().host());
        connector.setPort(s.listen().port());
        connector.setIdleTimeout(s.timeouts().idle().toMillis());
        connector.setAcceptQueueSize(4096);
        connector.addEventListener(guard);
        server.addConnector(connector);
        GracefulHandler graceful = new GracefulHandler();
        // Jetty's own meters beside the engine's on /metrics: request times by method, status and outcome (bounded
        // tags: no path), connections and bytes, the thread pool.
        io.micrometer.jetty12.server.TimedHandler timed = new io.micrometer.jetty12.server.TimedHandler(status.registry(),
                io.micrometer.core.instrument.Tags.empty());
        timed.setHandler(new GatewayHandler(runtime, new HealthHandler(() -> !stopping.get()), status, guard, new SpendLedger(),
                passThrough, log));
        graceful.setHandler(timed);
        io.micrometer.core.instrument.binder.jetty.JettyConnectionMetrics.addToAllConnectors(server, status.registry());
        new io.micrometer.core.instrument.binder.jetty.JettyServerThreadPoolMetrics(pool, io.micrometer.core.instrument.Tags.empty())
                .bindTo(status.registry());
        server.setHandler(graceful);
        server.setStopTimeout(s.timeouts().grace().toMillis());
        try {
            server.start();
        } catch (IOException e) {
            stopQuietly();
            throw e;
        } catch (Exception e) {
            stopQuietly();
            throw new IOException("The gateway could not start: " + e.getMessage(), e);
        }
    }

    /** A builder: zero-config settings, the system clock, log lines to standard error. */
    public static Builder builder() {
        return new Builder();
    }

    /** The base URL clients set as {@code ANTHROPIC_BASE_URL}. */
    public String url() {
        String host = connector.getHost();
        if (host == null || host.equals("0.0.0.0") || host.equals("::")) {
            host = "127.0.0.1";
        }
        return "http://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + port();
    }

    /** The port it listens on. */
    public int port() {
        return connector.getLocalPort();
    }

    /** The settings in force. */
    public GatewaySettings settings() {
        return runtime.get().settings();
    }

    /** The engine (its quotas, breakers and events). */
    public Pacer pacer() {
        return pacer;
    }

    /**
     * Serves new exchanges with {@code settings} from now on; exchanges already running finish on the
     * old ones. Where it listens and its connection timeouts stay as they were started (a note says
     * so when they differ).
     */
    public void reload(GatewaySettings settings) {
        Objects.requireNonNull(settings, "settings");
        GatewayRuntime old = runtime.getAndSet(new GatewayRuntime(settings, pacer, time, status));
        if (!settings.listen().equals(old.settings().listen()) || !settings.timeouts().header().equals(old.settings().timeouts().header())
                || !settings.timeouts().idle().equals(old.settings().timeouts().idle())) {
            log.accept("pacer gateway: the new listen address and connection timeouts take effect at the next start.");
        }
        // The old configuration's HTTP client serves exchanges still running on it: closed once they had their grace.
        Duration grace = old.settings().timeouts().grace().plusSeconds(5);
        Thread.ofVirtual().start(() -> {
            try {
                Thread.sleep(grace);
            } catch (InterruptedException ignored) {
                Thread.currentThread().interrupt();
            }
            old.close();
        });
    }

    /**
     * Graceful shutdown: {@code /readyz} turns 503, the listener stops accepting, calls and streams in
     * flight get the grace period to finish, then everything closes.
     */
    @Override
    public void close() {
        if (!stopping.compareAndSet(false, true)) {
            return;
        }
        stopQuietly();
        passThrough.close();
        runtime.get().close();
    }

    private void stopQuietly() {
        try {
            server.stop();
        } catch (Exception e) {
            log.accept("pacer gateway: stopped with an error (" + e.getClass().getSimpleName() + ").");
        }
    }

    /** Builds and starts a {@link Gateway}. */
    public static final class Builder {
        private GatewaySettings settings = GatewaySettings.builder().build();
        private GatewayTime<?> time = GatewayTime.real();
        private Consumer<String> log = System.err::println;
        private dev.pacer.spi.QuotaStore store;

        private Builder() {
        }

        /**
         * Where the engine keeps the quotas' state (default: in memory). A store shared by several
         * gateways (pacer-redis) makes them pace one quota together. It is the engine's for the gateway's
         * life: a reload does not change it.
         */
        public Builder store(dev.pacer.spi.QuotaStore store) {
            this.store = Objects.requireNonNull(store, "store");
            return this;
        }

        public Builder settings(GatewaySettings settings) {
            this.settings = Objects.requireNonNull(settings, "settings");
            return this;
        }

        /**
         * The engine's clock, running {@code scale} times faster than the clients' (a time-scaled
         * simulator's clock in tests; default the system clock at 1x).
         */
        public <T extends PacerClock & PacerScheduler> Builder time(T time, double scale) {
            if (!(scale > 0)) {
                throw new IllegalArgumentException("The time scale must be positive, not " + scale + ".");
            }
            this.time = new GatewayTime<>(Objects.requireNonNull(time, "time"), scale);
            return this;
        }

        /** Where log lines go (one access line per exchange; never a key). */
        public Builder log(Consumer<String> log) {
            this.log = Objects.requireNonNull(log, "log");
            return this;
        }

        /** Starts it. */
        public Gateway start() throws IOException {
            return new Gateway(this);
        }
    }
}
