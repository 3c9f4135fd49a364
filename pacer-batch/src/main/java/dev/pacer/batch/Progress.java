package dev.pacer.batch;

import dev.pacer.Pacer;
import dev.pacer.quota.Dimension;
import dev.pacer.quota.QuotaKey;
import dev.pacer.quota.QuotaView;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Shows a run while it goes: on a terminal one redrawn line with a bar, otherwise a plain log line
 * every few seconds. Each quota pool is shown with its own rates against its own limits (requests,
 * input and output tokens per minute, as that pool's rate limits count them), busiest first, so a
 * rate is never set against another pool's limit; then the 429 and 529 counts and the ETA. Rates
 * are per minute of the provider's clock (the simulator's, when time-scaled).
 */
final class Progress implements AutoCloseable {

    /** Pools shown on one line; the rest are counted ("+2 pools"). */
    private static final int POOLS_SHOWN = 2;
    /** About half a minute of provider time: long enough to smooth bursts, short enough to follow. */
    private static final double SMOOTHING_MINUTES = 0.5;

    private final RunOptions options;
    private final Pacer pacer;
    private final Tally tally;
    private final int total;
    private final int doneBefore;
    private final Thread thread;
    private volatile boolean running = true;
    private volatile String note;
    private Instant lastAt;
    private Instant startedAt;
    private long lastDone;
    private double rpm;
    private final Map<QuotaKey, double[]> last = new HashMap<>();
    private final Map<QuotaKey, double[]> rates = new HashMap<>();

    Progress(RunOptions options, Pacer pacer, Tally tally, int total, int doneBefore) {
        this.options = options;
        this.pacer = pacer;
        this.tally = tally;
        this.total = total;
        this.doneBefore = doneBefore;
        this.thread = Thread.ofVirtual().name("pacer-progress").unstarted(this::loop);
        this.lastAt = options.clock().instant();
        this.startedAt = lastAt;
    }

    void start() {
        lastAt = options.clock().instant();
        startedAt = lastAt;
        thread.start();
    }

    /** A note shown at the end of the line (null: none), e.g. that the run waits for its window. */
    void note(String text) {
        this.note = text;
    }

    private void loop() {
        long tick = 0;
        while (running) {
            try {
                Thread.sleep(options.interactive() ? 250 : 1_000);
            } catch (InterruptedException e) {
                return;
            }
            tick++;
            if (options.interactive() || tick % 5 == 0) {
                draw(false);
            }
        }
    }

    private synchronized void draw(boolean lastLine) {
        String text = line(options.clock().instant());
        if (options.interactive()) {
            int width = 24;
            long finished = doneBefore + tally.done.get();
            int filled = total == 0 ? width : (int) (width * Math.min(finished, total) / (double) total);
            options.out().print("\r[" + "#".repeat(filled) + " ".repeat(width - filled) + "] " + text + "\u001b[K");
            if (lastLine) {
                options.out().println();
            }
        } else {
            options.out().println("progress: " + text);
        }
        options.out().flush();
    }

    /** The line at {@code now}: updates the smoothed rates first. */
    synchronized String line(Instant now) {
        double minutes = Duration.between(lastAt, now).toMillis() / 60_000.0;
        long done = tally.done.get();
        if (minutes >= 0.05) {
            double a = Math.min(1, minutes / SMOOTHING_MINUTES);
            rpm += a * ((done - lastDone) / minutes - rpm);
            lastDone = done;
            tally.pools.forEach((key, pool) -> {
                double[] now3 = {pool.requests.get(), pool.input.get(), pool.output.get()};
                double[] before = last.getOrDefault(key, new double[3]);
                double[] r = rates.computeIfAbsent(key, k -> new double[3]);
                for (int i = 0; i < 3; i++) {
                    r[i] += a * ((now3[i] - before[i]) / minutes - r[i]);
                }
                last.put(key, now3);
            });
            lastAt = now;
        }
        long finished = doneBefore + done;
        long remaining = Math.max(0, total - finished);
        String eta = remaining == 0 ? "0s" : rpm > 0.1 ? human(Duration.ofSeconds((long) (remaining / rpm * 60))) : "?";
        StringBuilder sb = new StringBuilder(String.format("%d/%d done", finished, total));
        List<PoolLine> pools = new ArrayList<>();
        rates.forEach((key, r) -> pools.add(poolLine(key, r)));
        pools.sort(Comparator.comparingDouble(PoolLine::busiest).reversed());
        for (int i = 0; i < Math.min(POOLS_SHOWN, pools.size()); i++) {
            sb.append(" | ").append(pools.get(i).text());
        }
        if (pools.size() > POOLS_SHOWN) {
            sb.append(" | +").append(pools.size() - POOLS_SHOWN).append(" pools");
        }
        sb.append(String.format(" | 429: %d  529: %d | ETA %s", tally.wire429.get(), tally.wire529.get(), eta));
        if (Duration.between(startedAt, now).compareTo(Duration.ofMinutes(1)) < 0 && !rates.isEmpty()) {
            // Rates above a limit in the first minute are the full bucket every pool starts with, not an overrun.
            sb.append(" | first minute: buckets start full");
        }
        if (tally.unanswered.get() > 0) {
            sb.append(" | unanswered: ").append(tally.unanswered.get());
        }
        if (note != null) {
            sb.append(" | ").append(note);
        }
        return sb.toString();
    }

    /** One pool's figures; {@code busiest} is its highest rate as a share of its limit. */
    private record PoolLine(String text, double busiest) {
    }

    private PoolLine poolLine(QuotaKey key, double[] r) {
        QuotaView view = pacer.quotas().view(key);
        Dimension[] dims = {Dimension.REQUESTS, Dimension.INPUT_TOKENS, Dimension.OUTPUT_TOKENS};
        String[] units = {"req", "in", "out"};
        StringBuilder sb = new StringBuilder(LiveRun.poolName(key)).append(' ');
        double busiest = 0;
        for (int i = 0; i < 3; i++) {
            QuotaView.DimensionView v = view.dimension(dims[i]);
            double limit = v == null || v.limit() == null ? 0 : v.limit().perMinuteRate();
            sb.append(i == 0 ? "" : ", ").append(compact(r[i])).append('/').append(limit > 0 ? compact(limit) : "?").append(' ').append(units[i]);
            if (limit > 0) {
                busiest = Math.max(busiest, r[i] / limit);
            }
        }
        return new PoolLine(sb.append(" per min").toString(), busiest);
    }

    /** 7,528 as 7.5k, 30,000 as 30k, 2,000,000 as 2M: pools must fit on one line. */
    static String compact(double v) {
        if (v >= 999_500) {
            return trim(v / 1e6) + "M";
        }
        if (v >= 999.5) {
            return trim(v / 1e3) + "k";
        }
        return String.valueOf(Math.round(v));
    }

    private static String trim(double v) {
        String s = v >= 100 ? String.valueOf(Math.round(v)) : String.format(java.util.Locale.ROOT, "%.1f", v);
        return s.endsWith(".0") ? s.substring(0, s.length() - 2) : s;
    }

    private static String human(Duration d) {
        long s = d.toSeconds();
        return s >= 3600 ? String.format("%dh%02dm", s / 3600, s / 60 % 60) : s >= 60 ? String.format("%dm%02ds", s / 60, s % 60) : s + "s";
    }

    @Override
    public void close() {
        running = false;
        thread.interrupt();
        draw(true);
    }
}
