package dev.pacer.batch;

import dev.pacer.Pacer;
import dev.pacer.quota.Dimension;
import dev.pacer.quota.QuotaKey;
import dev.pacer.quota.QuotaView;
import dev.pacer.time.ScaledClock;
import dev.pacer.time.ScheduledTask;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.concurrent.ForkJoinPool;

/**
 * Shows a run while it goes: on a terminal one redrawn line with a bar, otherwise a plain log line
 * every few seconds. Each quota pool is shown with its own use against its own limits (requests,
 * input and output tokens, as that pool's rate limits count them), busiest first, so a figure is
 * never set against another pool's limit; then the 429 and 529 counts and the ETA. Minutes are the
 * provider's (the simulator's, when time-scaled).
 *
 * <p>A pool's figure is what it was charged over the trailing minute, summed, not a rate
 * extrapolated from a shorter span: usage is settled when calls end, so it arrives in bursts, and
 * a rate smoothed over half a minute read {@code 9.5k/8k out} on a run the simulator proved never
 * exceeded 8,000 a minute. A sum over the same minute the limit is stated for can only pass the
 * limit by what a full bucket holds (the first minute, or after a lull), which the line then says.
 *
 * <p>Redraws are scheduled on the run's {@link dev.pacer.time.PacerScheduler} (no thread of its
 * own, no sleep), every quarter second on a terminal and every five seconds in a log, in wall time.
 * The scheduler's task only hands the redraw to {@code drawing}: writing to a terminal or a pipe
 * may block, and the scheduler also wakes the engine's waiting calls.
 */
final class Progress implements AutoCloseable {

    /** Pools shown on one line; the rest are counted ("+2 pools"). */
    private static final int POOLS_SHOWN = 2;
    /** The span the limits are stated for, and the figures summed over. */
    private static final Duration TRAILING = Duration.ofMinutes(1);
    private static final Duration REDRAW_BAR = Duration.ofMillis(250);
    private static final Duration REDRAW_LOG = Duration.ofSeconds(5);

    private final RunOptions options;
    private final Pacer pacer;
    private final Tally tally;
    private final int total;
    private final int doneBefore;
    private final Executor drawing;
    private volatile String note;
    private Instant startedAt;
    /** Cumulative counts, oldest first: the newest one at or before the start of the trailing minute, then every later one. */
    private final ArrayDeque<Sample> samples = new ArrayDeque<>();
    /** Under {@code this}: false once closed, so no redraw follows the last line. */
    private boolean running;
    private ScheduledTask next;

    /** The counts at one instant: requests done, and per pool requests, input and output tokens charged. */
    private record Sample(Instant at, long done, Map<QuotaKey, long[]> pools) {
    }

    Progress(RunOptions options, Pacer pacer, Tally tally, int total, int doneBefore) {
        this(options, pacer, tally, total, doneBefore, ForkJoinPool.commonPool());
    }

    /** {@code drawing} runs the redraws (tests: {@code Runnable::run}, so they happen as virtual time advances). */
    Progress(RunOptions options, Pacer pacer, Tally tally, int total, int doneBefore, Executor drawing) {
        this.drawing = drawing;
        this.options = options;
        this.pacer = pacer;
        this.tally = tally;
        this.total = total;
        this.doneBefore = doneBefore;
        this.startedAt = options.clock().instant();
        samples.add(sample(startedAt));
    }

    /** Starts the redraws. */
    synchronized void start() {
        startedAt = options.clock().instant();
        samples.clear();
        samples.add(sample(startedAt));
        running = true;
        schedule();
    }

    /** A note shown at the end of the line (null: none), e.g. that the run waits for its window. */
    void note(String text) {
        this.note = text;
    }

    private void schedule() {
        Duration every = options.interactive() ? REDRAW_BAR : REDRAW_LOG;
        // The cadence is for the reader, in wall time; the scheduler runs on the provider's clock.
        next = options.scheduler().schedule(() -> drawing.execute(this::redraw),
                options.clock() instanceof ScaledClock scaled ? scaled.scaled(every) : every);
    }

    private synchronized void redraw() {
        if (!running) {
            return;
        }
        try {
            draw(false);
        } finally {
            schedule();
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

    private Sample sample(Instant at) {
        Map<QuotaKey, long[]> pools = new HashMap<>();
        tally.pools.forEach((key, pool) -> pools.put(key, new long[] {pool.requests.get(), pool.input.get(), pool.output.get()}));
        return new Sample(at, tally.done.get(), pools);
    }

    /** The line at {@code now}: records the counts first, then sums each figure over the trailing minute. */
    synchronized String line(Instant now) {
        Sample current = sample(now);
        if (samples.isEmpty() || !now.isBefore(samples.peekLast().at())) {
            samples.addLast(current);
        }
        Instant from = now.minus(TRAILING);
        while (samples.size() > 2 && !second(samples).at().isAfter(from)) {
            samples.removeFirst();
        }
        // The counts at the start of the trailing minute, interpolated between the samples around it
        // (before the first minute is over: the counts at the start of the run).
        Sample a = samples.peekFirst();
        Sample b = samples.size() > 1 ? second(samples) : a;
        double w = 0;
        if (a.at().isBefore(from) && b.at().isAfter(a.at())) {
            w = Math.min(1, Duration.between(a.at(), from).toNanos() / (double) Duration.between(a.at(), b.at()).toNanos());
        }
        double minutes = Math.max(1e-9, Math.min(1, Duration.between(startedAt, now).toNanos() / (double) TRAILING.toNanos()));
        double doneInWindow = current.done() - (a.done() + w * (b.done() - a.done()));
        long finished = doneBefore + current.done();
        long remaining = Math.max(0, total - finished);
        double perMinute = doneInWindow / minutes;
        // The rates are per provider minute; the ETA is for the person waiting, in wall time.
        double scale = options.clock() instanceof ScaledClock scaled ? scaled.scale() : 1;
        String eta = remaining == 0 ? "0s" : perMinute > 0.1 && minutes > 0.05
                ? human(Duration.ofSeconds((long) (remaining / perMinute * 60 / scale))) : "?";
        StringBuilder sb = new StringBuilder(String.format("%d/%d done", finished, total));
        List<PoolLine> pools = new ArrayList<>();
        double weight = w;
        current.pools().forEach((key, c) -> {
            long[] before = a.pools().getOrDefault(key, new long[3]);
            long[] after = b.pools().getOrDefault(key, new long[3]);
            double[] used = new double[3];
            for (int i = 0; i < 3; i++) {
                used[i] = c[i] - (before[i] + weight * (after[i] - before[i]));
            }
            pools.add(poolLine(key, used));
        });
        pools.sort(Comparator.comparingDouble(PoolLine::busiest).reversed());
        for (int i = 0; i < Math.min(POOLS_SHOWN, pools.size()); i++) {
            sb.append(" | ").append(pools.get(i).text());
        }
        if (pools.size() > POOLS_SHOWN) {
            sb.append(" | +").append(pools.size() - POOLS_SHOWN).append(" pools");
        }
        sb.append(String.format(" | 429: %d  529: %d | ETA %s", tally.wire429.get(), tally.wire529.get(), eta));
        if (Duration.between(startedAt, now).compareTo(TRAILING) < 0 && !pools.isEmpty()) {
            // Use above a limit in the first minute is the full bucket every pool starts with, not an overrun.
            sb.append(" | first minute: buckets start full");
        } else if (pools.stream().limit(POOLS_SHOWN).anyMatch(PoolLine::aboveALimit)) {
            // The limit is a bucket that holds a minute's worth, not a cap on every minute: after a lull
            // (the window closing, another pool's turn) a minute may spend what refilled plus what was saved.
            sb.append(" | a bucket holds a minute's worth: a minute can use up to twice its limit");
        }
        if (tally.unanswered.get() > 0) {
            sb.append(" | unanswered: ").append(tally.unanswered.get());
        }
        if (note != null) {
            sb.append(" | ").append(note);
        }
        return sb.toString();
    }

    /** The second-oldest sample (there are at least two). */
    private static Sample second(ArrayDeque<Sample> samples) {
        var it = samples.iterator();
        it.next();
        return it.next();
    }

    /**
     * One pool's figures; {@code busiest} is its highest figure as a share of its limit, and
     * {@code aboveALimit} whether a figure reads above its limit as shown (8,040 of 8,000 reads
     * "8k/8k": rounding is not worth a note).
     */
    private record PoolLine(String text, double busiest, boolean aboveALimit) {
    }

    private PoolLine poolLine(QuotaKey key, double[] r) {
        QuotaView view = pacer.quotas().view(key);
        Dimension[] dims = {Dimension.REQUESTS, Dimension.INPUT_TOKENS, Dimension.OUTPUT_TOKENS};
        String[] units = {"req", "in", "out"};
        StringBuilder sb = new StringBuilder(tally.pools.get(key).name).append(' ');
        double busiest = 0;
        boolean above = false;
        for (int i = 0; i < 3; i++) {
            QuotaView.DimensionView v = view.dimension(dims[i]);
            double limit = v == null || v.limit() == null ? 0 : v.limit().perMinuteRate();
            sb.append(i == 0 ? "" : ", ").append(compact(r[i])).append('/').append(limit > 0 ? compact(limit) : "?").append(' ').append(units[i]);
            if (limit > 0) {
                busiest = Math.max(busiest, r[i] / limit);
                above |= r[i] > limit && !compact(r[i]).equals(compact(limit));
            }
        }
        return new PoolLine(sb.append(" per min, trailing").toString(), busiest, above);
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
    public synchronized void close() {
        running = false;
        if (next != null) {
            next.cancel();
        }
        draw(true);
    }
}
