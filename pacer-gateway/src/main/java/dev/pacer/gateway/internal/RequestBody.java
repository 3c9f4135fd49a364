package dev.pacer.gateway.internal;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Reads a request body under the gateway's limit and its body timeout. A declared length over the
 * limit is refused before a byte is read; a body without a declared length (chunked) is read until
 * it passes the limit and no further. A body that does not arrive whole in time (a slow-loris client
 * trickling bytes) has its connection closed: it holds a virtual thread until then, never a platform
 * one, and never longer than the timeout.
 */
public final class RequestBody {

    /** The body passed the limit. */
    public static final class TooLarge extends Exception {
        public TooLarge() {
            super(null, null, false, false);
        }
    }

    private static final ScheduledExecutorService TIMER = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "pacer-gateway-body-timer");
        t.setDaemon(true);
        return t;
    });

    private RequestBody() {
    }

    /** The whole body of {@code exchange}, at most {@code limit} bytes, within {@code timeout}. */
    public static byte[] read(Exchange exchange, long limit, Duration timeout) throws TooLarge, IOException {
        long declared = exchange.declaredLength();
        if (declared > limit) {
            throw new TooLarge();
        }
        ScheduledFuture<?> deadline = TIMER.schedule(exchange::abort, timeout.toMillis(), TimeUnit.MILLISECONDS);
        try (InputStream in = exchange.body()) {
            ByteArrayOutputStream out = new ByteArrayOutputStream(declared > 0 ? (int) declared : 4096);
            byte[] buf = new byte[16 * 1024];
            long total = 0;
            for (int n; (n = in.read(buf)) >= 0; ) {
                total += n;
                if (total > limit) {
                    throw new TooLarge();
                }
                out.write(buf, 0, n);
            }
            return out.toByteArray();
        } finally {
            deadline.cancel(false);
        }
    }
}
