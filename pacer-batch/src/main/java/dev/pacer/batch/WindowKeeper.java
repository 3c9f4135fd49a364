package dev.pacer.batch;

import dev.pacer.quota.QuotaKey;
import dev.pacer.quota.Quotas;
import dev.pacer.time.PacerClock;
import dev.pacer.time.PacerScheduler;
import dev.pacer.time.ScheduledTask;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.function.Consumer;

/**
 * Keeps live calls inside a {@link DailyWindow}. The whole job is queued in the engine at once,
 * so gating the submission loop is not enough: when the window closes, every quota key the run
 * uses is paused until it opens again, and calls already queued wait there (no thread held, no
 * polling) and continue where they paused. Calls already sent finish. One scheduled task at each
 * opening and closing instant, on the run's clock.
 */
final class WindowKeeper implements AutoCloseable {

    private static final DateTimeFormatter HH_MM = DateTimeFormatter.ofPattern("HH:mm");

    private final DailyWindow window;
    private final Quotas quotas;
    private final List<QuotaKey> keys;
    private final PacerClock clock;
    private final PacerScheduler scheduler;
    private final Consumer<String> note;
    private ScheduledTask next;
    private boolean closed;
    private volatile Instant pausedUntil;

    WindowKeeper(DailyWindow window, Quotas quotas, List<QuotaKey> keys, PacerClock clock, PacerScheduler scheduler,
                 Consumer<String> note) {
        this.window = window;
        this.quotas = quotas;
        this.keys = List.copyOf(keys);
        this.clock = clock;
        this.scheduler = scheduler;
        this.note = note;
    }

    /** Applies the window now and keeps applying it at each change. */
    WindowKeeper start() {
        check();
        return this;
    }

    /** When the current pause ends, or null while the window is open. */
    Instant pausedUntil() {
        return pausedUntil;
    }

    private synchronized void check() {
        if (closed) {
            return;
        }
        Instant now = clock.instant();
        Duration untilOpen = window.untilOpen(now);
        Duration wait;
        if (!untilOpen.isZero()) {
            Instant opens = now.plus(untilOpen);
            pausedUntil = opens;
            keys.forEach(k -> quotas.pause(k, null, opens));
            note.accept("outside the window " + window + ": paused, resumes at " + HH_MM.format(opens.atZone(window.zone()))
                    + " (in " + human(untilOpen) + ")");
            wait = untilOpen;
        } else {
            pausedUntil = null;
            note.accept(null);
            wait = window.untilClose(now);
        }
        // A task that fires a hair early finds the same state and schedules again, a hair later.
        next = scheduler.schedule(this::check, wait.isZero() ? Duration.ofMillis(1) : wait);
    }

    static String human(Duration d) {
        long m = d.toMinutes();
        return m >= 60 ? m / 60 + " h " + m % 60 + " min" : m >= 1 ? m + " min" : d.toSeconds() + " s";
    }

    @Override
    public synchronized void close() {
        closed = true;
        if (next != null) {
            next.cancel();
        }
    }
}
