package dev.pacer.internal;

import dev.pacer.quota.Dimension;
import dev.pacer.quota.RateLimitSnapshot;
import java.util.Arrays;

/**
 * The share of a quota's refill this process assumes it gets when others use the same key without
 * a shared store. Not thread-safe: {@link InMemoryQuotaState} guards it with its lock.
 *
 * <h2>AIMD without talking</h2>
 * A 429 that the local model let through means someone else uses the quota (or the model was too
 * generous): the share is cut x0.7. Answers showing room beyond what this process expects grow it
 * by 0.02 per second of such answers (not per answer, so it does not depend on the call rate).
 * Independent processes on one key converge on their shares without talking to each other.
 *
 * <h2>The first answer</h2>
 * The request count is exact (never rounded), so at the first answer that carries one this process
 * replays its own sends on a bucket of the provider's limit that starts full: what would be left if
 * nobody else used the key. Less left at the provider is others' recent use, and the share starts
 * at this process's part of it. A full bucket says nothing, and a single client whose first answer
 * is slow is never mistaken for several: the replay refills as the provider does. One request of
 * difference can be the moment the provider counted rather than another client (a loaded machine read
 * a lone client's first answer one short and halved its share for the first minute), so a verdict that
 * the moment of counting could explain (its others vanish when the replay refills only up to the answering
 * call's admission) is tentative: the next answer with a request count looks again, and gives the share
 * back if it shows nobody else.
 *
 * <h2>Growing without evidence</h2>
 * When calls wait, none is out and no answer came for 5 s, nothing can show room, so the share grows
 * by 0.005 per second: in the {@code fleet} benchmark an instance cut to 0.11 at its first answer
 * otherwise sat 250 simulated seconds with work queued while the quota was idle. Not while a
 * dimension is in debt: the key is busy then, not idle.
 *
 * <p>Changes are reported as {@code ShareChanged} events: every cut, and growth in steps of 0.05
 * or on reaching 1.
 */
final class ShareEstimator {

    static final double MIN_SHARE = 0.05;
    private static final double DECREASE = 0.7;
    private static final double INCREASE_PER_SECOND = 0.02;
    private static final double IDLE_INCREASE_PER_SECOND = 0.005;
    private static final long IDLE_GRACE_NANOS = 5_000_000_000L;
    /** While the share grows without answers, the line looks again this often (a handful of wake-ups until it is 1). */
    static final long GROWTH_WAKE_NANOS = 2_000_000_000L;
    private static final double REPORT_STEP = 0.05;

    private double share = 1.0;
    private double reportedShare = 1.0;
    private Report unreported;
    /** When this process sent its requests, until the first answer has been looked at; a bounded record. */
    private long[] earlySends = new long[64];
    private int earlySendCount;
    private long grownNanos = Long.MIN_VALUE;
    private boolean sharingChecked;
    private boolean othersSeen;
    /** A first verdict resting on one request, until the next answer looks again (its {@code before} is the share to give back). */
    private Report tentative;
    /** When the last provider snapshot was applied. */
    private long lastAnswerNanos = Long.MIN_VALUE / 2;

    /** A share change to report outside the lock. */
    record Report(double before, double after, String reason, long callId, int attempt) {
    }

    double value() {
        return share;
    }

    /** Whether a first verdict on sharing waits for the next answer to look again. */
    boolean tentative() {
        return tentative != null;
    }

    /** Whether others were ever seen on the key (the first answer or a 429): then its bucket is not this process's alone. */
    boolean othersSeen() {
        return othersSeen;
    }

    void answered(long now) {
        lastAnswerNanos = now;
    }

    /** Records {@code requests} sent at {@code now}, until the first answer has been looked at. */
    void recordSend(long requests, long now) {
        if (earlySends == null || requests <= 0) {
            return;
        }
        for (long i = 0; i < requests && earlySendCount < earlySends.length; i++) {
            if (earlySendCount == earlySends.length - 1 && earlySends.length < 4096) {
                earlySends = Arrays.copyOf(earlySends, earlySends.length * 2);
            }
            earlySends[earlySendCount++] = now;
        }
    }

    /**
     * At the first answer with a request count: do others use this key? (See the class comment.) A
     * verdict resting on a single request is only tentative: the next answer with a request count looks
     * again and, if it shows nobody else, gives the share back. A verdict is firm only when others are there
     * even if the provider counted at {@code sentAt}, when the answering call was admitted (the earliest moment).
     */
    void detectSharing(RateLimitSnapshot snapshot, long now, long sentAt, long callId, int attempt) {
        RateLimitSnapshot.Entry requests = snapshot.entries().get(Dimension.REQUESTS);
        if (requests == null || requests.limit() <= 0 || requests.remaining() < 0 || sharingChecked) {
            return;
        }
        long[] sends = earlySends;
        int count = earlySendCount;
        if (count == 0 || count == sends.length) {
            sharingChecked = true;
            earlySends = null;
            return; // without a record of our sends nothing can be said
        }
        double limit = requests.limit();
        double alone = replay(sends, count, limit, now);
        double others = requests.remaining() >= requests.limit() ? 0 : Math.floor(alone) - requests.remaining();
        // The provider counted at some moment between the answering call's admission and the reading; refilled only
        // to the admission, the replay gives the least that nobody else could explain: others certainly there.
        double certainlyOthers = Math.floor(replay(sends, count, limit, Math.min(now, Math.max(sentAt, sends[0]))))
                - requests.remaining();
        if (tentative != null) {
            // The second look: nobody else now means the first was the timing of one answer, not a client. One
            // request short again is the same doubt (seen: a full saturate run kept a half share for its whole
            // first minute), so it takes two to confirm.
            sharingChecked = true;
            earlySends = null;
            if (others < 2) {
                Report first = tentative;
                tentative = null;
                othersSeen = false;
                set(first.before(), "the next answer showed nobody else on the key", callId, attempt);
            } else {
                tentative = null;
            }
            return;
        }
        if (requests.remaining() >= requests.limit()) {
            sharingChecked = true;
            earlySends = null;
            return; // a full bucket says nothing
        }
        double ours = Math.max(1, limit - alone);
        if (others >= 1) {
            othersSeen = true;
            double before = share;
            set(Math.max(MIN_SHARE, Math.min(share, ours / (ours + others))),
                    "the first answer counted requests of other clients on the key", callId, attempt);
            if (certainlyOthers < 1) {
                // The moment the provider counted could explain it all (a loaded machine read a lone client's first
                // answer late, by two requests of refill at the benchmark's time scale, and the share stayed cut with
                // pacing by generation off for the whole job): look once more.
                tentative = new Report(before, share, "tentative", callId, attempt);
                return;
            }
        }
        sharingChecked = true;
        earlySends = null;
    }

    /**
     * What would be left at {@code end} on a bucket of {@code limit} requests per minute, full at the first send,
     * after this process's {@code count} sends (each at its instant, or at {@code end} if later), with nobody else.
     */
    private static double replay(long[] sends, int count, double limit, long end) {
        double perNano = limit / 60.0 / DimensionLevels.NANOS_PER_SECOND;
        double alone = limit;
        long previous = sends[0];
        for (int i = 0; i < count; i++) {
            long t = Math.min(sends[i], end);
            alone = Math.min(limit, alone + perNano * Math.max(0, t - previous)) - 1;
            previous = t;
        }
        return Math.min(limit, alone + perNano * Math.max(0, end - previous));
    }

    /** The provider shows room beyond what this process expects. */
    void grow(long now, long callId, int attempt) {
        if (share < 1.0 && grownNanos != Long.MIN_VALUE) {
            double seconds = Math.min(5.0, (now - grownNanos) / DimensionLevels.NANOS_PER_SECOND);
            set(Math.min(1.0, share + INCREASE_PER_SECOND * seconds), "answers show room", callId, attempt);
        }
        grownNanos = now;
    }

    /** Time passed from {@code since} to {@code now} while calls waited and none was out: grows the share if no answer came (class comment). */
    void passed(long since, long now, boolean inDebt) {
        long silent = now - Math.max(since, lastAnswerNanos + IDLE_GRACE_NANOS);
        if (share < 1.0 && silent > 0 && !inDebt) {
            set(Math.min(1.0, share + IDLE_INCREASE_PER_SECOND * silent / DimensionLevels.NANOS_PER_SECOND),
                    "calls wait, none is out and no answer came", 0, 0);
        }
    }

    /** A 429 the model let through. */
    void cut(long callId, int attempt) {
        othersSeen = true;
        tentative = null; // a 429 settles the question
        double before = share;
        share = Math.max(MIN_SHARE, share * DECREASE);
        reportedShare = share;
        unreported = new Report(unreported != null ? unreported.before : before, share,
                "a 429 showed others on the key", callId, attempt);
    }

    private void set(double value, String reason, long callId, int attempt) {
        double before = share;
        share = value;
        if (value < before || value - reportedShare >= REPORT_STEP || (value == 1.0 && reportedShare < 1.0)) {
            double from = unreported != null ? unreported.before : reportedShare;
            reportedShare = value;
            unreported = new Report(from, value, reason, callId, attempt);
        }
    }

    /** Whether a change waits to be reported (read without the lock by a volatile flag in the owner). */
    boolean hasReport() {
        return unreported != null;
    }

    /** The change to report, once. */
    Report takeReport() {
        Report r = unreported;
        unreported = null;
        return r;
    }
}
