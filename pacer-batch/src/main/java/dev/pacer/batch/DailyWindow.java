package dev.pacer.batch;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.format.DateTimeParseException;

/**
 * A daily window such as {@code 22:00-06:00} (local time, or with a zone: {@code 22:00-06:00@UTC})
 * during which live calls may start. Windows may cross midnight.
 */
public record DailyWindow(LocalTime start, LocalTime end, ZoneId zone) {

    /** Parses {@code HH:MM-HH:MM[@Zone]}. */
    public static DailyWindow parse(String text) {
        String spec = text.trim();
        ZoneId zone = ZoneId.systemDefault();
        int at = spec.indexOf('@');
        try {
            if (at >= 0) {
                zone = ZoneId.of(spec.substring(at + 1));
                spec = spec.substring(0, at);
            }
            String[] parts = spec.split("-");
            if (parts.length != 2) {
                throw new IllegalArgumentException();
            }
            LocalTime s = LocalTime.parse(parts[0].trim());
            LocalTime e = LocalTime.parse(parts[1].trim());
            if (s.equals(e)) {
                throw new BatchException("--window " + text + " is empty; give a start and an end that differ, like 22:00-06:00.");
            }
            return new DailyWindow(s, e, zone);
        } catch (DateTimeParseException | IllegalArgumentException e) {
            throw new BatchException("--window '" + text + "' is not a window; use HH:MM-HH:MM, optionally with a zone, like 22:00-06:00@Europe/Paris.");
        } catch (java.time.DateTimeException e) {
            throw new BatchException("--window '" + text + "' names an unknown time zone; use a zone like UTC or Europe/Paris.");
        }
    }

    /** True when {@code now} is inside the window. */
    public boolean contains(Instant now) {
        LocalTime t = now.atZone(zone).toLocalTime();
        return start.isBefore(end) ? !t.isBefore(start) && t.isBefore(end) : !t.isBefore(start) || t.isBefore(end);
    }

    /** How long until the window opens (zero when open). */
    public Duration untilOpen(Instant now) {
        if (contains(now)) {
            return Duration.ZERO;
        }
        ZonedDateTime z = now.atZone(zone);
        ZonedDateTime open = z.with(start);
        if (!open.isAfter(z)) {
            open = open.plusDays(1);
        }
        return Duration.between(z, open);
    }

    /** How long the window stays open from {@code now} (zero when it is closed). */
    public Duration untilClose(Instant now) {
        if (!contains(now)) {
            return Duration.ZERO;
        }
        ZonedDateTime z = now.atZone(zone);
        ZonedDateTime close = z.with(end);
        if (!close.isAfter(z)) {
            close = close.plusDays(1);
        }
        return Duration.between(z, close);
    }

    @Override
    public String toString() {
        return start + "-" + end + " (" + zone + ")";
    }
}
