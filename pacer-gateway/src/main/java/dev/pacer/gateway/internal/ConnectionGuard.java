package dev.pacer.gateway.internal;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.io.Connection;

/**
 * The header timeout: a new connection whose first request line and headers have not all arrived
 * within it is closed. Jetty parses headers without a worker, so a slow-loris client trickling its
 * headers holds no thread; but it would hold its connection for as long as it kept trickling (the idle
 * timeout restarts at each byte), so this bounds it. After the first request the idle timeout governs.
 */
public final class ConnectionGuard implements Connection.Listener {

    private static final ScheduledExecutorService TIMER = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "pacer-gateway-header-timer");
        t.setDaemon(true);
        return t;
    });

    private final Duration headerTimeout;
    private final Set<Connection> served = ConcurrentHashMap.newKeySet();

    public ConnectionGuard(Duration headerTimeout) {
        this.headerTimeout = headerTimeout;
    }

    /** A request's headers arrived whole on {@code connection}. */
    public void served(Connection connection) {
        served.add(connection);
    }

    @Override
    public void onOpened(Connection connection) {
        TIMER.schedule(() -> {
            if (!served.contains(connection) && connection.getEndPoint().isOpen()) {
                connection.getEndPoint().close();
            }
        }, headerTimeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public void onClosed(Connection connection) {
        served.remove(connection);
    }
}
