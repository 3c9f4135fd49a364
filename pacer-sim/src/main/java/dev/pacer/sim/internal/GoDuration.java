package dev.pacer.sim.internal;

/**
 * A duration as Go prints one ({@code time.Duration.String}), the format of OpenAI's
 * {@code x-ratelimit-reset-*} headers and its "try again in" hints: {@code 12ms}, {@code 1s},
 * {@code 1m30.5s}, {@code 6m0s}, {@code 1h0m0s}. Rounded to the millisecond, as OpenAI's are.
 */
final class GoDuration {

    private GoDuration() {
    }

    static String format(double seconds) {
        long millis = Math.max(0, Math.round(seconds * 1000));
        if (millis == 0) {
            return "0s";
        }
        if (millis < 1000) {
            return millis + "ms";
        }
        StringBuilder sb = new StringBuilder();
        long hours = millis / 3_600_000;
        long minutes = millis / 60_000 % 60;
        long secMillis = millis % 60_000;
        if (hours > 0) {
            sb.append(hours).append('h');
        }
        if (hours > 0 || minutes > 0) {
            sb.append(minutes).append('m');
        }
        sb.append(secMillis / 1000);
        long frac = secMillis % 1000;
        if (frac > 0) {
            String f = String.format(java.util.Locale.ROOT, "%03d", frac).replaceAll("0+$", "");
            sb.append('.').append(f);
        }
        return sb.append('s').toString();
    }
}
