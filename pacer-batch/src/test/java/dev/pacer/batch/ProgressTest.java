package dev.pacer.batch;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pacer.Pacer;
import dev.pacer.quota.Cost;
import dev.pacer.quota.Dimension;
import dev.pacer.quota.Limit;
import dev.pacer.quota.QuotaKey;
import dev.pacer.time.VirtualTime;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class ProgressTest {

    private static final QuotaKey SONNET = QuotaKey.of("anthropic:fp:sonnet-4");
    private static final QuotaKey HAIKU = QuotaKey.of("anthropic:fp:haiku-4-5");

    @Test
    void eachPoolsRatesAreShownAgainstItsOwnLimitsBusiestFirst() {
        VirtualTime time = new VirtualTime();
        Pacer pacer = Pacer.builder().clock(time).scheduler(time)
                .limit(SONNET, Dimension.REQUESTS, Limit.perMinute(50)).limit(SONNET, Dimension.INPUT_TOKENS, Limit.perMinute(30_000))
                .limit(SONNET, Dimension.OUTPUT_TOKENS, Limit.perMinute(8_000))
                .limit(HAIKU, Dimension.REQUESTS, Limit.perMinute(50)).limit(HAIKU, Dimension.INPUT_TOKENS, Limit.perMinute(50_000))
                .limit(HAIKU, Dimension.OUTPUT_TOKENS, Limit.perMinute(10_000)).build();
        RunOptions options = new RunOptions(Path.of("in.jsonl"), Path.of("out.jsonl"), RunOptions.Via.MESSAGES, "http://x", "k",
                List.of(), null, null, false, false, null, null, Duration.ofSeconds(1), Map.of(), time, time,
                new PrintStream(OutputStream.nullOutputStream()), false, Prices.defaults(), Duration.ofSeconds(1), false, false);
        Tally tally = new Tally();
        Progress progress = new Progress(options, pacer, tally, 300, 0);
        progress.line(time.instant());
        // One minute: Sonnet spends 7,600 of its 8,000 output tokens, Haiku 2,000 of its 10,000.
        time.advance(Duration.ofMinutes(1));
        tally.pool(SONNET, "sonnet-4").add(Cost.requests(32, 2_100, 7_600));
        tally.pool(HAIKU, "haiku-4-5").add(Cost.requests(10, 900, 2_000));
        tally.done.addAndGet(42);
        String line = progress.line(time.instant());
        assertThat(line).startsWith("42/300 done | sonnet-4 32/50 req, 2.1k/30k in, 7.6k/8k out per min, trailing | "
                + "haiku-4-5 10/50 req, 900/50k in, 2k/10k out per min, trailing | 429: 0  529: 0 | ETA ")
                .doesNotContain("first minute");
    }

    @Test
    void inTheFirstMinuteTheLineSaysRatesIncludeTheFullBuckets() {
        VirtualTime time = new VirtualTime();
        Pacer pacer = Pacer.builder().clock(time).scheduler(time).build();
        RunOptions options = new RunOptions(Path.of("in.jsonl"), Path.of("out.jsonl"), RunOptions.Via.MESSAGES, "http://x", "k",
                List.of(), null, null, false, false, null, null, Duration.ofSeconds(1), Map.of(), time, time,
                new PrintStream(OutputStream.nullOutputStream()), false, Prices.defaults(), Duration.ofSeconds(1), false, false);
        Tally tally = new Tally();
        Progress progress = new Progress(options, pacer, tally, 300, 0);
        time.advance(Duration.ofSeconds(30));
        tally.pool(SONNET, "sonnet-4").add(Cost.requests(50, 3_000, 12_000));
        assertThat(progress.line(time.instant())).contains("| first minute: buckets start full");
    }

    private static Pacer sonnetAt8kOut(VirtualTime time) {
        return Pacer.builder().clock(time).scheduler(time)
                .limit(SONNET, Dimension.REQUESTS, Limit.perMinute(50)).limit(SONNET, Dimension.INPUT_TOKENS, Limit.perMinute(30_000))
                .limit(SONNET, Dimension.OUTPUT_TOKENS, Limit.perMinute(8_000)).build();
    }

    private static RunOptions logTo(VirtualTime time, ByteArrayOutputStream printed) {
        return new RunOptions(Path.of("in.jsonl"), Path.of("out.jsonl"), RunOptions.Via.MESSAGES, "http://x", "k",
                List.of(), null, null, false, false, null, null, Duration.ofSeconds(1), Map.of(), time, time,
                new PrintStream(printed, true, StandardCharsets.UTF_8), false, Prices.defaults(), Duration.ofSeconds(1), false, false);
    }

    private static List<String> lines(ByteArrayOutputStream printed) {
        return printed.toString(StandardCharsets.UTF_8).lines().toList();
    }

    @Test
    void burstsOfSettledUsageNeverReadAboveALimitTheRunKept() {
        // 2,000 output tokens settle at once every 15 s: exactly 8,000 a minute, the limit. A rate
        // smoothed over 30 s read up to 9.5k/8k here; the sum over the trailing minute reads 8k.
        VirtualTime time = new VirtualTime();
        Tally tally = new Tally();
        Progress progress = new Progress(logTo(time, new ByteArrayOutputStream()), sonnetAt8kOut(time), tally, 300, 0, Runnable::run);
        Pattern out = Pattern.compile("sonnet-4 [^|]*, ([0-9.]+k?)/8k out per min, trailing");
        List<String> figures = new ArrayList<>();
        for (int second = 5; second <= 180; second += 5) {
            time.advance(Duration.ofSeconds(5));
            if (second % 15 == 0) {
                tally.pool(SONNET, "sonnet-4").add(Cost.requests(4, 1_000, 2_000));
            }
            String line = progress.line(time.instant());
            if (second > 60) {
                Matcher m = out.matcher(line);
                assertThat(m.find()).as(line).isTrue();
                figures.add(m.group(1));
            }
        }
        assertThat(figures).isNotEmpty().allSatisfy(f -> assertThat(f).isEqualTo("8k"));
    }

    @Test
    void aMinuteAboveALimitAfterTheFirstSaysABucketHoldsAMinutesWorth() {
        VirtualTime time = new VirtualTime();
        Tally tally = new Tally();
        Progress progress = new Progress(logTo(time, new ByteArrayOutputStream()), sonnetAt8kOut(time), tally, 300, 0, Runnable::run);
        progress.line(time.instant());
        time.advance(Duration.ofMinutes(3));
        progress.line(time.instant());
        // A lull let the bucket fill; the next minute spends the refill and the saved bucketful.
        time.advance(Duration.ofMinutes(1));
        tally.pool(SONNET, "sonnet-4").add(Cost.requests(40, 4_000, 14_000));
        assertThat(progress.line(time.instant())).contains("14k/8k out per min, trailing")
                .contains("| a bucket holds a minute's worth: a minute can use up to twice its limit").doesNotContain("first minute");
        // 8,040 reads 8k/8k: rounding is no reason for a note.
        time.advance(Duration.ofMinutes(1));
        tally.pool(SONNET, "sonnet-4").add(Cost.requests(40, 4_000, 8_040));
        assertThat(progress.line(time.instant())).contains("8k/8k out").doesNotContain("a bucket holds");
    }

    @Test
    void theEtaIsInWallTimeWhenTheProvidersClockRunsFaster() {
        dev.pacer.time.ScaledClock tenTimes = new dev.pacer.time.ScaledClock(java.time.Instant.parse("2026-01-01T00:00:00Z"), 10);
        RunOptions options = new RunOptions(Path.of("in.jsonl"), Path.of("out.jsonl"), RunOptions.Via.MESSAGES, "http://x", "k",
                List.of(), null, null, false, false, null, null, Duration.ofSeconds(1), Map.of(), tenTimes, tenTimes,
                new PrintStream(OutputStream.nullOutputStream()), false, Prices.defaults(), Duration.ofSeconds(1), false, false);
        Tally tally = new Tally();
        Progress progress = new Progress(options, Pacer.builder().build(), tally, 200, 0, Runnable::run);
        java.time.Instant start = tenTimes.instant();
        progress.line(start);
        // 100 done in one provider minute: 100 left take another provider minute, 6 s of wall time at 10x.
        tally.done.addAndGet(100);
        assertThat(progress.line(start.plus(Duration.ofMinutes(1)))).contains("| ETA 6s");
    }

    @Test
    void redrawsAreScheduledOnTheRunsSchedulerAndStopWhenClosed() {
        VirtualTime time = new VirtualTime();
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        Progress progress = new Progress(logTo(time, printed), sonnetAt8kOut(time), new Tally(), 10, 0, Runnable::run);
        progress.start();
        assertThat(lines(printed)).isEmpty();
        time.advance(Duration.ofSeconds(5));
        assertThat(lines(printed)).hasSize(1).allSatisfy(l -> assertThat(l).startsWith("progress: 0/10 done"));
        time.advance(Duration.ofSeconds(10));
        assertThat(lines(printed)).hasSize(3);
        progress.close();
        assertThat(lines(printed)).hasSize(4);
        assertThat(time.pendingTasks()).as("no redraw left scheduled").isZero();
        time.advance(Duration.ofMinutes(1));
        assertThat(lines(printed)).as("nothing after the last line").hasSize(4);
    }

    @Test
    void compactNumbersFitOnOneLine() {
        assertThat(Progress.compact(7_528)).isEqualTo("7.5k");
        assertThat(Progress.compact(30_000)).isEqualTo("30k");
        assertThat(Progress.compact(2_000_000)).isEqualTo("2M");
        assertThat(Progress.compact(977)).isEqualTo("977");
        assertThat(Progress.compact(450_000)).isEqualTo("450k");
    }
}
