package dev.pacer.gateway.internal;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.internal.HttpConnection;

/**
 * The header timeout, on every request of a connection: a request whose request line and headers have
 * not all arrived within it is cut off (its connection closed). For a new connection the time runs from
 * the connection's opening; on a kept-alive one, from the first byte of its next request (the time
 * between requests is the idle timeout's). Jetty parses headers without a worker, so a slow-loris client
 * trickling its headers holds no thread; but it would hold its connection for as long as it kept
 * trickling (the idle timeout restarts at each byte), so this bounds it.
 *
 * <p>It sees a request begin through its {@link #connectionFactory}: a connection that becomes readable
 * while its parser waits for a new request arms the timer; {@link #served} (the headers arrived whole)
 * disarms it.
 */
public final class ConnectionGuard implements Connection.Listener {

    private static final ScheduledThreadPoolExecutor TIMER = new ScheduledThreadPoolExecutor(1, r -> {
        Thread t = new Thread(r, "pacer-gateway-header-timer");
        t.setDaemon(true);
        return t;
    });

    static {
        TIMER.setRemoveOnCancelPolicy(true); // one timer per request, cancelled as its headers arrive
    }

    private final Duration headerTimeout;
    private final Map<Connection, ScheduledFuture<?>> armed = new ConcurrentHashMap<>();

    public ConnectionGuard(Duration headerTimeout) {
        this.headerTimeout = headerTimeout;
    }

    /** HTTP/1.1 connections whose every request is held to the header timeout. */
    public HttpConnectionFactory connectionFactory(HttpConfiguration config) {
        return new HttpConnectionFactory(config) {
            @Override
            public Connection newConnection(Connector connector, EndPoint endPoint) {
                return configure(new Guarded(getHttpConfiguration(), connector, endPoint), connector, endPoint);
            }
        };
    }

    /** A request's headers arrived whole on {@code connection}. */
    public void served(Connection connection) {
        ScheduledFuture<?> timer = armed.remove(connection);
        if (timer != null) {
            timer.cancel(false);
        }
    }

    /** A request may be starting on {@code connection}: its headers must arrive within the timeout. */
    private void arm(Connection connection) {
        armed.computeIfAbsent(connection, c -> TIMER.schedule(() -> {
            if (armed.remove(c) != null && c.getEndPoint().isOpen()) {
                c.getEndPoint().close();
            }
        }, headerTimeout.toMillis(), TimeUnit.MILLISECONDS));
    }

    @Override
    public void onOpened(Connection connection) {
        arm(connection);
    }

    @Override
    public void onClosed(Connection connection) {
        served(connection);
    }

    /** Arms the guard when bytes arrive while the parser waits for a new request. */
    private final class Guarded extends HttpConnection {
        Guarded(HttpConfiguration config, Connector connector, EndPoint endPoint) {
            super(config, connector, endPoint);
        }

        @Override
        public void onFillable() {
            if (getParser().isStart()) {
                arm(this);
            }
            super.onFillable();
        }
    }
}
