package dev.pacer.gateway.internal;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.io.Connection;

/**
 * The header timeout, on every request of a connection: a new connection whose first request line and
 * headers have not all arrived within it is closed; on a kept-alive connection, the next request's line
 * and headers must have arrived whole within the idle timeout plus the header timeout after the previous
 * answer was sent (the client may wait the idle timeout before it starts; Jetty shows no public event
 * for a request's first byte, so the two are added). Jetty parses headers without a worker, so a
 * slow-loris client trickling its headers holds no thread; but it would hold its connection for as long
 * as it kept trickling (the idle timeout restarts at each byte), so this bounds it.
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
    private final Duration nextRequest;
    private final Map<Connection, ScheduledFuture<?>> armed = new ConcurrentHashMap<>();

    /** {@code idleTimeout} is the connector's: a kept-alive connection's next request may start that late. */
    public ConnectionGuard(Duration headerTimeout, Duration idleTimeout) {
        this.headerTimeout = headerTimeout;
        this.nextRequest = idleTimeout.plus(headerTimeout);
    }

    /** A request's headers arrived whole on {@code connection}. */
    public void served(Connection connection) {
        ScheduledFuture<?> timer = armed.remove(connection);
        if (timer != null) {
            timer.cancel(false);
        }
    }

    /** An answer on {@code connection} was sent whole (call before its callback completes): the next request is timed. */
    public void answered(Connection connection) {
        arm(connection, nextRequest);
    }

    private void arm(Connection connection, Duration within) {
        armed.computeIfAbsent(connection, c -> TIMER.schedule(() -> {
            if (armed.remove(c) != null && c.getEndPoint().isOpen()) {
                c.getEndPoint().close();
            }
        }, within.toMillis(), TimeUnit.MILLISECONDS));
    }

    @Override
    public void onOpened(Connection connection) {
        arm(connection, headerTimeout);
    }

    @Override
    public void onClosed(Connection connection) {
        served(connection);
    }
}
