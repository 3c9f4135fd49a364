package dev.pacer.redis.internal;

import dev.pacer.quota.Cost;
import dev.pacer.quota.Dimension;
import dev.pacer.quota.Limit;
import dev.pacer.quota.Priority;
import dev.pacer.quota.QuotaKey;
import dev.pacer.quota.QuotaListener;
import dev.pacer.quota.QuotaView;
import dev.pacer.quota.RateLimitSnapshot;
import dev.pacer.redis.RedisStoreOptions;
import dev.pacer.redis.internal.RedisLink.Script;
import dev.pacer.spi.QuotaModel;
import dev.pacer.spi.QuotaState;
import dev.pacer.spi.Refusal;
import dev.pacer.spi.Reservation;
import dev.pacer.spi.ReserveResult;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One quota's state in Redis, shared by every instance of the fleet: each operation of
 * {@link QuotaState} is one script call (see the scripts beside this class and
 * {@code docs/architecture.md}, "Fleet mode"). {@code reserve}, {@code estimate} and {@code view}
 * answer the caller, so they wait for their round trip; {@code sent}, {@code settle},
 * {@code calibrate}, {@code pause} and {@code setLimit} are sent and not waited for: Lettuce keeps
 * them in order on the one connection, so the next reserve sees them. Their replies (limits learned,
 * levels moved) reach the listener on the store's event executor.
 *
 * <h2>What is cached here</h2>
 * Whether limits are known, the fleet size and every limited dimension's capacity, rate and level as
 * last read: {@code limitsKnown()} and {@code waiting(n)}, called under the line's lock, never reach
 * Redis, and a degraded quota starts from the cache when Redis stops answering.
 *
 * <h2>Sharing</h2>
 * The shared levels are the whole quota, so the store-less sharing heuristics (a share cut by a 429,
 * grown by room shown, detected at the first answer) are off: {@code share()} is 1 and
 * {@code rateLimited} is ignored while Redis answers.
 *
 * <p>Why one class of about 470 lines: each operation writes its script's arguments and reads its
 * reply, and the two must agree with the script field by field; kept side by side per operation,
 * a change to one is seen next to the other.
 */
final class RedisQuotaState implements QuotaState, Availability.Member {

    private static final int MAX_REPLAYS = 10_000;

    private final QuotaKey key;
    private final QuotaModel model;
    private final QuotaListener listener;
    private final RedisLink link;
    private final Availability availability;
    private final RedisStoreOptions options;
    private final Executor events;
    private final String instanceId;
    private final String[] keys;
    private final String timeoutMicros;
    private final String windowMicros;
    private final String heldMicros;

    private final Map<String, double[]> known = new ConcurrentHashMap<>(); // name -> {capacity, per second, level}
    private final Queue<Runnable> replays = new ConcurrentLinkedQueue<>();
    private final AtomicInteger replayCount = new AtomicInteger();
    private volatile boolean limitsKnown;
    private volatile int fleet = 1;
    private volatile DegradedQuota degraded;
    private volatile long lastBeatNanos = Long.MIN_VALUE / 2;

    RedisQuotaState(QuotaKey key, QuotaModel model, QuotaListener listener, RedisLink link, Availability availability,
                    RedisStoreOptions options, Executor events, String instanceId) {
        this.key = key;
        this.model = model;
        this.listener = listener;
        this.link = link;
        this.availability = availability;
        this.options = options;
        this.events = events;
        this.instanceId = instanceId;
        String tag = options.namespace() + ":{" + key.id().replace('{', '(').replace('}', ')') + "}:";
        this.keys = new String[] {tag + "s", tag + "r", tag + "sent", tag + "exp", tag + "fleet"};
        this.timeoutMicros = Long.toString(options.reservationTimeout().toNanos() / 1000);
        this.windowMicros = Long.toString(options.heartbeatInterval().toNanos() * 3 / 1000);
        this.heldMicros = Long.toString(options.heldRetry().toNanos() / 1000);
    }

    // ---------------------------------------------------------------- answered operations

    @Override
    public ReserveResult reserve(Cost cost, long callId, int attempt) {
        return reserve(cost, Priority.NORMAL, callId, attempt);
    }

    @Override
    public ReserveResult reserve(Cost cost, Priority priority, long callId, int attempt) {
        DegradedQuota d = degraded;
        if (d != null) {
            return d.reserve(cost, callId, attempt);
        }
        List<String> args = new ArrayList<>(6 + 2 * cost.width());
        args.add(now());
        args.add(timeoutMicros);
        args.add(instanceId);
        args.add(windowMicros);
        args.add(heldMicros);
        args.add(Integer.toString(priority.ordinal()));
        for (int i = 0; i < cost.width(); i++) {
            args.add(Dimension.byIndex(i).name());
            args.add(Long.toString(cost.at(i)));
        }
        List<Object> reply = answer(Script.RESERVE, args);
        if (reply == null) {
            return degradedOrWait().reserve(cost, callId, attempt);
        }
        fleet = (int) Math.max(1, (Long) reply.get(4));
        readLevels(reply, 5);
        lastBeatNanos = options.clock().nanoTime();
        String kind = (String) reply.get(0);
        return switch (kind) {
            case "R" -> new RedisReservation(cost, (String) reply.get(1), callId, attempt);
            case "N" -> Refusal.never(Dimension.of((String) reply.get(1)), (long) parse(reply.get(2)), (long) parse(reply.get(3)));
            default -> {
                long wait = micros(reply.get(2));
                yield Refusal.waitFor(dimension(reply.get(1)), wait + jitter(wait));
            }
        };
    }

    @Override
    public Refusal estimate(Cost cost, Cost ahead) {
        DegradedQuota d = degraded;
        if (d != null) {
            return d.estimate(cost, ahead);
        }
        Cost total = ahead == Cost.ZERO ? cost : cost.plus(ahead);
        int width = Math.max(cost.width(), total.width());
        List<String> args = new ArrayList<>(1 + 3 * width);
        args.add(now());
        for (int i = 0; i < width; i++) {
            args.add(Dimension.byIndex(i).name());
            args.add(Long.toString(cost.at(i)));
            args.add(Long.toString(total.at(i)));
        }
        List<Object> reply = answer(Script.ESTIMATE, args);
        if (reply == null) {
            return degradedOrWait().estimate(cost, ahead);
        }
        return switch ((String) reply.get(0)) {
            case "F" -> null;
            case "N" -> Refusal.never(Dimension.of((String) reply.get(1)), (long) parse(reply.get(2)), (long) parse(reply.get(3)));
            default -> Refusal.waitFor(dimension(reply.get(1)), micros(reply.get(2)));
        };
    }

    @Override
    public View view() {
        DegradedQuota d = degraded;
        if (d != null && d.view() != null) {
            return d.view();
        }
        List<Object> reply = answer(Script.VIEW, List.of(now()));
        if (reply == null) {
            return new View(Map.of(), null, 0);
        }
        Instant wallNow = options.clock().instant();
        long pausedAll = micros(reply.get(1));
        Map<Dimension, QuotaView.DimensionView> dims = new LinkedHashMap<>();
        for (int i = 2; i + 5 < reply.size() + 1; i += 6) {
            long pause = micros(reply.get(i + 5));
            dims.put(Dimension.of((String) reply.get(i)), new QuotaView.DimensionView(
                    new Limit((long) parse(reply.get(i + 1)), parse(reply.get(i + 2)) * 1e6), parse(reply.get(i + 3)),
                    (long) parse(reply.get(i + 4)), pause > 0 ? wallNow.plusNanos(pause) : null));
        }
        return new View(dims, pausedAll > 0 ? wallNow.plusNanos(pausedAll) : null, ((Long) reply.get(0)).intValue());
    }

    // ---------------------------------------------------------------- sent and not waited for

    @Override
    public void sent(Reservation reservation) {
        if (reservation instanceof LocalReservation local) {
            local.owner.sent(local);
        } else if (degraded == null) {
            send(Script.SENT, List.of(now(), ((RedisReservation) reservation).id), false);
        }
    }

    @Override
    public void settle(Reservation reservation, Cost actual, RateLimitSnapshot snapshot) {
        if (reservation instanceof LocalReservation local) {
            local.owner.settle(local, actual, snapshot);
            return;
        }
        RedisReservation r = (RedisReservation) reservation;
        List<String> args = new ArrayList<>();
        args.add(now());
        args.add(r.id);
        List<String> pairs = new ArrayList<>();
        for (int i = 0; i < actual.width(); i++) {
            if (actual.at(i) != 0) {
                pairs.add(Dimension.byIndex(i).name());
                pairs.add(Long.toString(actual.at(i)));
            }
        }
        args.add(Integer.toString(pairs.size() / 2));
        args.addAll(pairs);
        if (snapshot != null && degraded == null) {
            addSnapshot(args, snapshot);
        }
        CompletableFuture<List<Object>> reply = send(Script.SETTLE, args, true);
        if (snapshot != null) {
            reply.thenAcceptAsync(events -> report(events, r.callId, r.attempt), this.events);
        }
    }

    @Override
    public void calibrate(RateLimitSnapshot snapshot, Reservation source) {
        if (degraded != null || source instanceof LocalReservation) {
            return; // the provider's figures are the fleet's: they calibrate the shared levels only
        }
        RedisReservation r = (RedisReservation) source;
        List<String> args = new ArrayList<>();
        args.add(now());
        args.add(r == null ? "" : r.id);
        addSnapshot(args, snapshot);
        send(Script.CALIBRATE, args, false)
                .thenAcceptAsync(reply -> report(reply, r == null ? 0 : r.callId, r == null ? 0 : r.attempt), events);
    }

    @Override
    public void pause(Dimension dimension, Instant until, long callId, int attempt) {
        long delayMicros = Math.max(0, (options.clock().toNanoTime(until) - options.clock().nanoTime() + 999) / 1000);
        DegradedQuota d = degraded;
        if (d != null) {
            d.pause(dimension, until, callId, attempt);
        }
        send(Script.PAUSE, List.of(now(), dimension == null ? "" : dimension.name(), Long.toString(delayMicros)), true);
        notifySafely(() -> listener.onPaused(callId, attempt, key, dimension, until));
    }

    @Override
    public void setLimit(Dimension dimension, Limit limit) {
        known.put(dimension.name(), new double[] {limit.capacity(), limit.refillPerSecond(), limit.capacity()});
        limitsKnown = true;
        send(Script.LIMIT, List.of(now(), dimension.name(), Long.toString(limit.capacity()),
                num(limit.refillPerSecond() / 1e6)), true);
        notifySafely(() -> listener.onLimitChanged(0, 0, key, dimension, limit));
    }

    @Override
    public void rateLimited(long callId, int attempt) {
        DegradedQuota d = degraded;
        if (d != null) {
            d.rateLimited(callId, attempt);
        }
    }

    @Override
    public boolean limitsKnown() {
        return limitsKnown;
    }

    @Override
    public double share() {
        return degraded == null ? 1.0 : 1.0 / fleet;
    }

    // ---------------------------------------------------------------- heartbeat, breaker

    /** Tells the fleet this instance uses the quota; refreshes the cached fleet size and levels. */
    void heartbeat() {
        long now = options.clock().nanoTime();
        if (degraded != null || now - lastBeatNanos < options.heartbeatInterval().toNanos() / 2) {
            return; // a reserve told the fleet meanwhile
        }
        lastBeatNanos = now;
        send(Script.HEARTBEAT, List.of(now(), instanceId, windowMicros), false).thenAccept(reply -> {
            fleet = (int) Math.max(1, (Long) reply.get(0));
            readLevels(reply, 1);
        });
    }

    /** Whether the quota runs without Redis now. */
    boolean isDegraded() {
        return degraded != null;
    }

    @Override
    public synchronized void degrade() {
        if (degraded == null) {
            degraded = new DegradedQuota(availability.mode(), key, model, options.clock(), known, fleet, options.heartbeatInterval());
        }
    }

    @Override
    public CompletableFuture<?> rejoin() {
        DegradedQuota d = degraded;
        if (d == null) {
            return CompletableFuture.completedFuture(null);
        }
        for (Runnable replay; (replay = replays.poll()) != null; ) {
            replayCount.decrementAndGet();
            replay.run();
        }
        List<String> args = new ArrayList<>();
        args.add(now());
        args.add(Integer.toString(known.size()));
        known.forEach((name, v) -> {
            args.add(name);
            args.add(Long.toString((long) v[0]));
            args.add(num(v[1] / 1e6));
        });
        args.add(windowMicros);
        Map<String, Double> own = d.ownLevels();
        args.add(Integer.toString(own.size()));
        own.forEach((name, level) -> {
            args.add(name);
            args.add(num(level));
        });
        return link.call(Script.REJOIN, keys, args.toArray(String[]::new)).thenRun(() -> {
            synchronized (this) {
                if (degraded == d) {
                    degraded = null;
                }
            }
        });
    }

    // ---------------------------------------------------------------- plumbing

    /** Calls a script and waits for its answer; null when Redis did not answer (the breaker is then open). */
    private List<Object> answer(Script script, List<String> args) {
        try {
            return link.call(script, keys, args.toArray(String[]::new))
                    .get(options.commandTimeout().toNanos(), TimeUnit.NANOSECONDS);
        } catch (ExecutionException | TimeoutException e) {
            availability.failed(e instanceof ExecutionException ? e.getCause() : e);
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            availability.failed(e);
            return null;
        }
    }

    /**
     * Sends a script without waiting. When {@code replay} and Redis fails, the call is kept (bounded)
     * and sent again when Redis is back: a settlement must not be lost to an outage.
     */
    private CompletableFuture<List<Object>> send(Script script, List<String> args, boolean replay) {
        String[] argv = args.toArray(String[]::new);
        CompletableFuture<List<Object>> reply = link.call(script, keys, argv);
        reply.whenComplete((ok, error) -> {
            if (error != null) {
                if (replay && replayCount.incrementAndGet() <= MAX_REPLAYS) {
                    replays.add(() -> link.call(script, keys, argv));
                } else if (replay) {
                    replayCount.decrementAndGet();
                }
                availability.failed(error);
            }
        });
        return reply;
    }

    private DegradedQuota degradedOrWait() {
        degrade();
        return degraded != null ? degraded : new DegradedQuota(availability.mode(), key, model, options.clock(), known, fleet,
                options.heartbeatInterval());
    }

    private void addSnapshot(List<String> args, RateLimitSnapshot snapshot) {
        args.add(Long.toString(snapshot.observedAt().toEpochMilli()));
        args.add(Integer.toString(snapshot.entries().size()));
        for (Map.Entry<Dimension, RateLimitSnapshot.Entry> e : snapshot.entries().entrySet()) {
            RateLimitSnapshot.Entry entry = e.getValue();
            long capacity = -1;
            double rate = 0;
            if (entry.limit() > 0) {
                Limit learned = model.limitOf(e.getKey(), entry.limit());
                if (options.learnedBurstRatio() < 1) {
                    learned = learned.withBurstRatio(options.learnedBurstRatio());
                }
                capacity = learned.capacity();
                rate = learned.refillPerSecond();
                limitsKnown = true;
                known.putIfAbsent(e.getKey().name(), new double[] {capacity, rate, capacity});
            }
            args.add(e.getKey().name());
            args.add(Long.toString(capacity));
            args.add(num(rate / 1e6));
            args.add(Long.toString(entry.remaining()));
            args.add(Long.toString(entry.remainingPrecision()));
            args.add(model.countedAsGenerated(e.getKey()) ? "1" : "0");
        }
    }

    /** Reports a script's events: 'L' d capacity rate (a limit learned), 'C' d before after (a level moved). */
    private void report(List<Object> reply, long callId, int attempt) {
        for (int i = 0; i + 3 < reply.size(); i += 4) {
            Dimension d = Dimension.of((String) reply.get(i + 1));
            double a = parse(reply.get(i + 2));
            double b = parse(reply.get(i + 3));
            if ("L".equals(reply.get(i))) {
                Limit limit = new Limit((long) a, b * 1e6);
                known.put(d.name(), new double[] {limit.capacity(), limit.refillPerSecond(), limit.capacity()});
                notifySafely(() -> listener.onLimitChanged(callId, attempt, key, d, limit));
            } else {
                notifySafely(() -> listener.onCalibrated(callId, attempt, key, d, a, b));
            }
        }
    }

    private void readLevels(List<Object> reply, int from) {
        for (int i = from; i + 3 < reply.size(); i += 4) {
            known.put((String) reply.get(i), new double[] {parse(reply.get(i + 1)), parse(reply.get(i + 2)) * 1e6,
                    parse(reply.get(i + 3))});
            limitsKnown = true;
        }
    }

    private String now() {
        return options.clientTime() ? Long.toString(Math.floorDiv(options.clock().nanoTime(), 1000)) : "";
    }

    private static long jitter(long waitNanos) {
        long bound = Math.min(waitNanos / 20, 2_000_000);
        return bound <= 0 ? 0 : ThreadLocalRandom.current().nextLong(bound);
    }

    private static Dimension dimension(Object name) {
        String s = (String) name;
        return s == null || s.isEmpty() ? null : Dimension.of(s);
    }

    private static long micros(Object value) {
        double us = parse(value);
        return us >= Long.MAX_VALUE / 4000.0 ? Long.MAX_VALUE / 4 : (long) Math.ceil(us) * 1000;
    }

    private static double parse(Object value) {
        return value instanceof Long l ? l : Double.parseDouble((String) value);
    }

    private static String num(double v) {
        return Double.toString(v);
    }

    private static void notifySafely(Runnable event) {
        try {
            event.run();
        } catch (RuntimeException ignored) {
            // a listener must never break admission
        }
    }

    @Override
    public String toString() {
        return "RedisQuotaState[" + key + "]";
    }
}
