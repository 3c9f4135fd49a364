package dev.pacer.batch;

import dev.pacer.Pacer;
import dev.pacer.anthropic.AnthropicPacer;
import dev.pacer.quota.Dimension;
import dev.pacer.quota.QuotaView;
import java.time.Duration;
import java.time.Instant;

/**
 * Shows a run while it goes: on a terminal one redrawn line with a bar (done/total, requests and
 * tokens per minute against the limits, 429s and 529s, ETA); otherwise a plain log line every few
 * seconds. Rates are per minute of the provider's clock (the simulator's, when time-scaled).
 */
final class Progress implements AutoCloseable {

    private final RunOptions options;
    private final Pacer pacer;
    private final AnthropicPacer claude;
    private final BatchRunner.Tally tally;
    private final int total;
    private final int doneBefore;
    private final Thread thread;
    private volatile boolean running = true;
    private volatile String note;
    private Instant lastAt;
    private long lastDone;
    private long lastInput;
    private long lastOutput;
    private double rpm;
    private double itpm;
    private double otpm;

    Progress(RunOptions options, Pacer pacer, AnthropicPacer claude, BatchRunner.Tally tally, int total, int doneBefore) {
        this.options = options;
        this.pacer = pacer;
        this.claude = claude;
        this.tally = tally;
        this.total = total;
        this.doneBefore = doneBefore;
        this.thread = Thread.ofVirtual().name("pacer-progress").unstarted(this::loop);
    }

    void start() {
        lastAt = options.clock().instant();
        thread.start();
    }

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
            if (options.interactive()) {
                draw(false);
            } else if (tick % 5 == 0) {
                draw(false);
            }
        }
    }

    private synchronized void draw(boolean last) {
        Instant now = options.clock().instant();
        double minutes = Duration.between(lastAt, now).toMillis() / 60_000.0;
        long done = tally.done.get();
        if (minutes >= 0.05) {
            double a = Math.min(1, minutes / 0.5); // smooth over about half a minute of provider time
            rpm += a * ((done - lastDone) / minutes - rpm);
            itpm += a * ((tally.input.get() - lastInput) / minutes - itpm);
            otpm += a * ((tally.output.get() - lastOutput) / minutes - otpm);
            lastAt = now;
            lastDone = done;
            lastInput = tally.input.get();
            lastOutput = tally.output.get();
        }
        long finished = doneBefore + done;
        String limits = limits();
        long remaining = total - finished;
        String eta = rpm > 0.1 ? human(Duration.ofSeconds((long) (remaining / rpm * 60))) : "?";
        String text = String.format("%d/%d done | %.0f req/min  %,.0f in-tok/min  %,.0f out-tok/min%s | 429: %d  529: %d | ETA %s%s",
                finished, total, rpm, itpm, otpm, limits, tally.wire429.get(), tally.wire529.get(), eta,
                note == null ? "" : " | " + note);
        if (options.interactive()) {
            int width = 24;
            int filled = total == 0 ? width : (int) (width * finished / (double) total);
            options.out().print("\r[" + "#".repeat(filled) + " ".repeat(width - filled) + "] " + text + "   ");
            if (last) {
                options.out().println();
            }
        } else {
            options.out().println("progress: " + text);
        }
        options.out().flush();
    }

    private String limits() {
        // Show the limits of the busiest key known so far (the first model of the file, usually).
        for (var key : java.util.List.of("sonnet-4", "haiku-4-5", "opus-4")) {
            try {
                QuotaView view = pacer.quotas().view(dev.pacer.quota.QuotaKey.of(
                        "anthropic:" + AnthropicPacer.fingerprint(options.apiKey()) + ":" + key));
                var r = view.dimension(Dimension.REQUESTS);
                var i = view.dimension(Dimension.INPUT_TOKENS);
                var o = view.dimension(Dimension.OUTPUT_TOKENS);
                if (r != null && i != null && o != null) {
                    return String.format(" (limits %,.0f / %,.0f / %,.0f per min, %s)", r.limit().perMinuteRate(),
                            i.limit().perMinuteRate(), o.limit().perMinuteRate(), key);
                }
            } catch (RuntimeException ignored) {
                // not known yet
            }
        }
        return "";
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
