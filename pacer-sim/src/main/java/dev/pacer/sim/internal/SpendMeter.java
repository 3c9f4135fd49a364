package dev.pacer.sim.internal;

import dev.pacer.sim.SimSettings;
import java.time.Instant;
import java.time.LocalDate;
import java.time.YearMonth;
import java.time.ZoneOffset;

/**
 * The organisation's spend cap on simulated time: Messages requests answered this month, counted
 * against {@link SimSettings.SpendCap#afterRequests()}; a new month lifts the cap.
 */
final class SpendMeter {

    private YearMonth month;
    private long answered;

    synchronized boolean capped(SimSettings.SpendCap cap, Instant now) {
        roll(now);
        return cap.enabled() && answered >= cap.afterRequests();
    }

    synchronized void answered(Instant now) {
        roll(now);
        answered++;
    }

    synchronized void clear() {
        month = null;
        answered = 0;
    }

    /** When access comes back: 00:00 UTC on the 1st of the next month. */
    static LocalDate regainedOn(Instant now) {
        return YearMonth.from(now.atZone(ZoneOffset.UTC)).plusMonths(1).atDay(1);
    }

    private void roll(Instant now) {
        YearMonth m = YearMonth.from(now.atZone(ZoneOffset.UTC));
        if (!m.equals(month)) {
            month = m;
            answered = 0;
        }
    }
}
