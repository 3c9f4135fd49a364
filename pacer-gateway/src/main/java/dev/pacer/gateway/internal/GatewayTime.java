package dev.pacer.gateway.internal;

import dev.pacer.time.PacerClock;
import dev.pacer.time.PacerScheduler;
import dev.pacer.time.ScaledClock;
import java.time.Duration;
import java.time.Instant;

/**
 * The engine's clock and the client's: the same in production; in tests against a time-scaled
 * simulator the engine runs on its scaled clock while clients wait in wall time, so a client's
 * patience is stretched by the scale and a wait told to a client ({@code retry-after}) shrunk by it.
 */
public record GatewayTime<T extends PacerClock & PacerScheduler>(T time, double scale) {

    public static GatewayTime<ScaledClock> real() {
        return new GatewayTime<>(new ScaledClock(Instant.now(), 1), 1);
    }

    /** The engine's instant by which a call with this much wall patience must be admitted. */
    public Instant deadline(Duration patience) {
        return time.instant().plusNanos((long) (patience.toNanos() * scale));
    }

    /** An engine duration in the client's time. */
    public Duration wall(Duration engine) {
        return Duration.ofNanos((long) (engine.toNanos() / scale));
    }
}
