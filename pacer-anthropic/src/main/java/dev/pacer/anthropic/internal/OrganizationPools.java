package dev.pacer.anthropic.internal;

import dev.pacer.Attempt;
import dev.pacer.AttemptContext;
import dev.pacer.AttemptResult;
import dev.pacer.StreamInterrupted;
import dev.pacer.quota.Cost;
import dev.pacer.quota.Permit;
import dev.pacer.quota.Priority;
import dev.pacer.quota.QuotaKey;
import dev.pacer.quota.QuotaView;
import dev.pacer.quota.Quotas;
import dev.pacer.quota.RateLimitSnapshot;
import dev.pacer.outcome.Outcome;
import dev.pacer.spi.QuotaModel;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiFunction;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * Which pool a key draws from, learned from the answers: the API enforces its limits per
 * organization, narrowed per workspace, so keys that answer with the same
 * {@code anthropic-organization-id} and {@code anthropic-workspace-id} share one quota, and Pacer
 * must pace them as one pool or each would believe it has the whole limit.
 *
 * <h2>Naming</h2>
 * A pool keeps the name of the first key that used it ({@code anthropic:<fingerprint>:<pool>}): a
 * key whose identity is unknown draws from its own pools; once its identity is known, a pool that
 * another key of the same organization and workspace already draws from is that key's, and a pool
 * nobody of the identity used yet becomes this key's. Names therefore hold one key's fingerprint,
 * never a key, stay as short as before, and a key alone in its organization keeps the names it
 * always had (nothing is renamed at its first answer, so nothing learned is left behind). The
 * organization id is not put in the name: it is not secret, but it is long and the gain is nil,
 * since the owner's fingerprint already names the pool uniquely within a process.
 *
 * <h2>The merge, and calls on the old pool</h2>
 * When a key's identity is first learned and a pool it used is already another key's, its own pool
 * is <em>retired into</em> that shared pool: later calls of the key are routed to the shared pool.
 * What was learned carries over: the old pool's limits where the shared pool knows none, and its
 * pauses (a 429's {@code retry-after} holds for the organization). Levels are not copied: both
 * pools were calibrated from the same provider's buckets, the shared one by the answers of its own
 * calls, and a level can only be corrected by such answers.
 *
 * <p>Calls already queued on, retrying on, or in flight on the old pool are where a merge could
 * over-admit: the shared pool does not hold them, so it would admit the same room again. Two rules
 * close that gap, both through {@link #around} (every attempt of the pipeline's clients runs in it):
 * <ol>
 *   <li>An attempt admitted on a retired pool must also be admitted on the shared pool before it is
 *       sent (a call must fit both, as a request must fit its organization and its workspace at the
 *       API). It waits there at {@link Priority#INTERACTIVE}, having waited its turn on its own line
 *       already, until its deadline; if it cannot fit in time it fails with the shared pool's
 *       {@code QuotaWaitExceeded} and the engine gives back its reservation on the old pool. The
 *       shared pool's reservation is settled with the attempt's usage and the provider's snapshot,
 *       so the shared pool is also calibrated by the answers of those stragglers.</li>
 *   <li>An attempt already in flight on the old pool when it is retired gets a bridge: the same
 *       reservation asked of the shared pool (at {@link Priority#INTERACTIVE}, no deadline), held
 *       until the attempt ends and then settled like the one above. If the attempt ends before the
 *       bridge is admitted, the bridge is withdrawn and its answer's snapshot calibrates the shared
 *       pool instead: the provider counted the call, and its headers now say so.</li>
 * </ol>
 * Without a {@link Quotas} nothing is merged (every key keeps its own pools, as before), since a
 * merge that could not hold the stragglers would over-admit. The bridge and the double admission
 * last only while the old pool has calls; the old pool is then idle for good.
 *
 * <h2>What a key's identity is</h2>
 * The pair of header values, read from any answer that carries {@code anthropic-organization-id}
 * (an absent {@code anthropic-workspace-id} counts as the default workspace). Values are checked to
 * be short printable tokens; anything else is ignored with a debug note. A key's identity is learned
 * once: a later answer naming another organization is noted and ignored (keys do not move between
 * organizations; a key that acts in several workspaces through the {@code anthropic-workspace-id}
 * request header is named by the first it answered in).
 *
 * <p>Thread-safe: resolution of a key whose identity is known is one map read; learning and the
 * first resolution of a pool take this object's lock, so a pool cannot be created for a key while
 * that key is being merged and escape the merge.
 */
public final class OrganizationPools {

    private static final int MAX_ID = 100;

    private final Quotas quotas;
    private final QuotaModel model;
    private final BiFunction<String, String, QuotaKey> name;
    private final Consumer<String> debug;
    /** Key fingerprint -> its identity ("organization workspace"), once learned. */
    private final Map<String, String> identities = new ConcurrentHashMap<>();
    /** "identity|pool" -> the fingerprint whose pool it is. */
    private final Map<String, String> owners = new ConcurrentHashMap<>();
    /** "fingerprint|pool" -> owner, for keys whose identity is known (stable from then on). */
    private final Map<String, String> resolved = new ConcurrentHashMap<>();
    /** Key fingerprint -> the pools it drew from while its identity was unknown. */
    private final Map<String, Set<String>> unresolved = new ConcurrentHashMap<>();
    /** Keys already noted for answering with another identity than their first (one note each). */
    private final Set<String> noted = ConcurrentHashMap.newKeySet();
    /** Retired pool -> the shared pool it was merged into. */
    private final Map<QuotaKey, QuotaKey> retired = new ConcurrentHashMap<>();
    /** Pool -> the attempts in flight on it (for bridges). */
    private final Map<QuotaKey, Set<Flight>> flights = new ConcurrentHashMap<>();

    /**
     * @param quotas the engine's quotas (null: never merge)
     * @param model  how the pools count (to open a pool that does not exist yet as the engine would)
     * @param name   the quota key of (owner fingerprint, pool name)
     * @param debug  receives notes about ignored header values and merges (never a key)
     */
    public OrganizationPools(Quotas quotas, QuotaModel model, BiFunction<String, String, QuotaKey> name, Consumer<String> debug) {
        this.quotas = quotas;
        this.model = model;
        this.name = name;
        this.debug = debug;
    }

    /** The fingerprint whose pool {@code pool} the key {@code fingerprint} draws from now. */
    public String owner(String fingerprint, String pool) {
        if (quotas == null) {
            return fingerprint;
        }
        String owner = resolved.get(fingerprint + "|" + pool);
        if (owner != null) {
            return owner;
        }
        // A pool already recorded for a key whose identity is still unknown: its own, without the lock. Should the identity
        // be learned meanwhile, that pool is one the merge retires, so a call routed to it here is held on both pools.
        Set<String> pending = unresolved.get(fingerprint);
        if (pending != null && pending.contains(pool) && !identities.containsKey(fingerprint)) {
            return fingerprint;
        }
        return resolveSlowly(fingerprint, pool);
    }

    private synchronized String resolveSlowly(String fingerprint, String pool) {
        String identity = identities.get(fingerprint);
        if (identity == null) {
            unresolved.computeIfAbsent(fingerprint, k -> ConcurrentHashMap.newKeySet()).add(pool);
            return fingerprint;
        }
        String owner = owners.computeIfAbsent(identity + "|" + pool, k -> fingerprint);
        resolved.put(fingerprint + "|" + pool, owner);
        return owner;
    }

    /**
     * An answer to the key {@code fingerprint} arrived with these headers: learn its organization and
     * workspace, and merge its pools into those its identity already draws from.
     */
    public void heard(String fingerprint, Function<String, Optional<String>> header) {
        Optional<String> org = header.apply("anthropic-organization-id");
        if (org.isEmpty() || identities.containsKey(fingerprint) && sameAs(fingerprint, org.get(), header)) {
            return;
        }
        String organization = org.get().trim();
        String workspace = header.apply("anthropic-workspace-id").map(String::trim).orElse("");
        if (!plausible(organization) || !(workspace.isEmpty() || plausible(workspace))) {
            debug.accept("Ignored an anthropic-organization-id or anthropic-workspace-id that is not a short printable token (key "
                    + fingerprint + "); its pools stay its own.");
            return;
        }
        learn(fingerprint, organization + " " + workspace);
    }

    private boolean sameAs(String fingerprint, String organization, Function<String, Optional<String>> header) {
        String known = identities.get(fingerprint);
        String now = organization.trim() + " " + header.apply("anthropic-workspace-id").map(String::trim).orElse("");
        if (!known.equals(now) && noted.add(fingerprint)) {
            debug.accept("Key " + fingerprint + " answered for another organization or workspace than before; it keeps the pools of the"
                    + " first.");
        }
        return true;
    }

    private static boolean plausible(String id) {
        return !id.isEmpty() && id.length() <= MAX_ID && id.chars().allMatch(c -> c > 0x20 && c < 0x7f);
    }

    private synchronized void learn(String fingerprint, String identity) {
        if (identities.putIfAbsent(fingerprint, identity) != null || quotas == null) {
            return;
        }
        Set<String> pools = unresolved.remove(fingerprint);
        if (pools == null) {
            return;
        }
        for (String pool : pools) {
            String owner = owners.computeIfAbsent(identity + "|" + pool, k -> fingerprint);
            resolved.put(fingerprint + "|" + pool, owner);
            if (!owner.equals(fingerprint)) {
                retire(name.apply(fingerprint, pool), name.apply(owner, pool));
            }
        }
    }

    /** Routes {@code old}'s stragglers through {@code shared} and carries over what {@code old} learned. */
    private void retire(QuotaKey old, QuotaKey shared) {
        QuotaView was = quotas.line(old, model).view();
        QuotaView is = quotas.line(shared, model).view();
        was.dimensions().forEach((dimension, d) -> {
            QuotaView.DimensionView there = is.dimension(dimension);
            if (d.limit() != null && (there == null || there.limit() == null)) {
                quotas.setLimit(shared, dimension, d.limit());
            }
            if (d.pausedUntil() != null) {
                quotas.pause(shared, dimension, d.pausedUntil());
            }
        });
        if (was.pausedUntil() != null) {
            quotas.pause(shared, null, was.pausedUntil());
        }
        retired.put(old, shared);
        for (Flight f : flights.getOrDefault(old, Set.of())) {
            f.bridge(shared);
        }
        debug.accept("Pool " + old.id() + " answers for the same organization and workspace as " + shared.id()
                + ": its calls now draw from " + shared.id() + ".");
    }

    /** The shared pool {@code pool} was merged into, or null when it was not. */
    public QuotaKey retiredInto(QuotaKey pool) {
        return retired.get(pool);
    }

    /** {@code attempt} with the merge's two rules around it (see the class comment). */
    public <T> Attempt<T> around(Attempt<T> attempt) {
        return new Attempt<>() {
            @Override
            public String declineReason(AttemptContext context) {
                return attempt.declineReason(context);
            }

            @Override
            public dev.pacer.route.Skip passOver(dev.pacer.route.Target target) {
                return attempt.passOver(target);
            }

            @Override
            public CompletionStage<AttemptResult<T>> run(AttemptContext context) {
                QuotaKey pool = context.target().quotaKey();
                QuotaKey shared = retired.get(pool);
                if (shared == null) {
                    return tracked(attempt, context, pool);
                }
                return quotas.acquire(shared, context.reserved(), Priority.INTERACTIVE, context.deadline())
                        .thenCompose(permit -> {
                            CompletionStage<AttemptResult<T>> stage;
                            try {
                                stage = attempt.run(context);
                            } catch (RuntimeException e) {
                                permit.release();
                                throw e;
                            }
                            return stage.whenComplete((result, error) -> settleWhenDone(permit, context.reserved(), result, error));
                        });
            }
        };
    }

    private <T> CompletionStage<AttemptResult<T>> tracked(Attempt<T> attempt, AttemptContext context, QuotaKey pool) {
        Flight flight = new Flight(context.reserved());
        Set<Flight> on = flights.computeIfAbsent(pool, k -> ConcurrentHashMap.newKeySet());
        on.add(flight);
        QuotaKey shared = retired.get(pool);
        if (shared != null) {
            flight.bridge(shared); // retired between the lookup and the registration
        }
        CompletionStage<AttemptResult<T>> stage;
        try {
            stage = attempt.run(context);
        } catch (RuntimeException e) {
            on.remove(flight);
            flight.landed(null, null);
            throw e;
        }
        return stage.whenComplete((result, error) -> ended(result, error, (cost, snapshot) -> {
            on.remove(flight);
            flight.landed(cost, snapshot);
        }, context.reserved()));
    }

    private void settleWhenDone(Permit permit, Cost reserved, AttemptResult<?> result, Throwable error) {
        ended(result, error, (cost, snapshot) -> {
            if (cost == null) {
                permit.release();
            } else {
                permit.settle(cost, snapshot);
            }
        }, reserved);
    }

    /**
     * Calls {@code done} once the attempt is over — for a stream, when the stream ends — with what it
     * cost (null when it completed exceptionally without an answer: nothing was counted) and the
     * provider's snapshot.
     */
    private void ended(AttemptResult<?> result, Throwable error, BiFunctionVoid done, Cost reserved) {
        if (error != null || result == null) {
            done.accept(null, null);
            return;
        }
        Outcome outcome = result.outcome();
        RateLimitSnapshot snapshot = outcome.snapshot();
        if (result.completion() != null) {
            result.completion().whenComplete((cost, broke) -> {
                Cost used = cost != null ? cost
                        : broke instanceof StreamInterrupted si ? si.usage()
                        : broke != null && broke.getCause() instanceof StreamInterrupted si2 ? si2.usage() : reserved;
                done.accept(used, snapshot);
            });
            return;
        }
        Cost used = result.usage() != null ? result.usage() : model.chargedFor(outcome, reserved);
        done.accept(used, snapshot);
    }

    /** (cost, snapshot) -> nothing. */
    private interface BiFunctionVoid {
        void accept(Cost cost, RateLimitSnapshot snapshot);
    }

    /** An attempt in flight on a pool that may be retired under it: then it holds a bridge on the shared pool until it lands. */
    private final class Flight {
        private final Cost reserved;
        private CompletableFuture<Permit> bridge;
        private QuotaKey shared;
        private boolean landed;

        Flight(Cost reserved) {
            this.reserved = reserved;
        }

        synchronized void bridge(QuotaKey into) {
            if (landed || bridge != null) {
                return;
            }
            shared = into;
            bridge = quotas.acquire(into, reserved, Priority.INTERACTIVE, (Instant) null);
        }

        void landed(Cost cost, RateLimitSnapshot snapshot) {
            CompletableFuture<Permit> b;
            QuotaKey into;
            synchronized (this) {
                landed = true;
                b = bridge;
                into = shared;
            }
            if (b == null) {
                return;
            }
            if (b.cancel(false)) {
                // Not admitted yet: withdrawn; the provider counted the call, and its headers say so now.
                if (snapshot != null && !snapshot.isEmpty()) {
                    quotas.calibrate(into, snapshot);
                }
                return;
            }
            b.thenAccept(permit -> {
                if (cost == null) {
                    permit.release();
                } else {
                    permit.settle(cost, snapshot);
                }
            });
        }
    }
}
