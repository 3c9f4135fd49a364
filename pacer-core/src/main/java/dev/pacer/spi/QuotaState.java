package dev.pacer.spi;

import dev.pacer.quota.Cost;
import dev.pacer.quota.Dimension;
import dev.pacer.quota.Limit;
import dev.pacer.quota.Priority;
import dev.pacer.quota.QuotaView;
import dev.pacer.quota.RateLimitSnapshot;
import java.time.Instant;
import java.util.Map;

/**
 * The shared state of one quota key, behind operations that are each atomic. The engine never calls
 * them under a lock of its own, and runs at most one {@link #reserve} per key and process at a time
 * (its line drains one head after another). What each operation must guarantee is written in
 * {@code docs/architecture.md} ("What a store must guarantee"); a store shared by several processes
 * does each in one round trip.
 *
 * <p>{@code callId} and {@code attempt} name the call an operation is for (0 when none), so that
 * the events the store reports can be tied to it.
 */
public interface QuotaState {

    /**
     * Takes {@code cost} from every limited dimension at once, or from none: a {@link Reservation}
     * when every dimension can take it now and no pause holds, else a {@link Refusal} saying when it
     * would fit. A dimension without a known limit takes anything.
     */
    ReserveResult reserve(Cost cost, long callId, int attempt);

    /**
     * As {@link #reserve(Cost, long, int)}, for a call of class {@code priority}. The engine orders
     * its own calls by class in its line; a store shared by several processes can use the class to
     * hold the order across them (the Redis store keeps lower classes out while a higher one waits
     * anywhere in the fleet). The default ignores it.
     */
    default ReserveResult reserve(Cost cost, Priority priority, long callId, int attempt) {
        return reserve(cost, callId, attempt);
    }

    /**
     * When {@code cost} would fit after {@code ahead} (what waits before it in this process) has been
     * admitted, by refill alone, without reserving anything: null when it fits now; a {@link Refusal}
     * of kind {@code NEVER} when {@code cost} alone exceeds a capacity. For the engine's estimate of a
     * new waiter's wait, which it compares with the call's deadline.
     */
    Refusal estimate(Cost cost, Cost ahead);

    /** The request of {@code reservation} left for the provider now (calibration orders answers by it). */
    void sent(Reservation reservation);

    /**
     * Ends {@code reservation}: the call cost {@code actual}, so the difference is given back (or
     * taken, as debt) at once; then, when {@code snapshot} is not null, the provider's view carried
     * by the same answer is applied as {@link #calibrate} would, in the same atomic step. A second
     * settlement of the same reservation is ignored.
     */
    void settle(Reservation reservation, Cost actual, RateLimitSnapshot snapshot);

    /** Ends {@code reservation} giving everything back: the call never reached the provider. */
    default void release(Reservation reservation) {
        settle(reservation, Cost.ZERO, null);
    }

    /**
     * Corrects the state from the provider's view: limits learned, levels moved toward what the
     * provider says is left. {@code source} is the reservation whose answer carried it (null: none),
     * by which the store tells what the provider could not have counted yet.
     */
    void calibrate(RateLimitSnapshot snapshot, Reservation source);

    /** Holds every reservation of one dimension, or of the whole key when {@code dimension} is null, until {@code until}. */
    void pause(Dimension dimension, Instant until, long callId, int attempt);

    /** Sets or changes a limit. */
    void setLimit(Dimension dimension, Limit limit);

    /**
     * The provider refused a call for quota although the state let it through: others use the key
     * (or the state was too generous). A store shared by every user of the key may ignore it.
     */
    void rateLimited(long callId, int attempt);

    /**
     * How many calls of this process now wait for this quota. A store may use it (the in-memory store
     * grows a cut share back while calls wait and nothing is out); it must be quick.
     */
    default void waiting(int calls) {
    }

    /** Whether any limit is known (configured or learned); must be quick (a cached value will do). */
    boolean limitsKnown();

    /** The share of the provider's quota this process assumes it gets (1: all of it). */
    double share();

    /** What the state holds now. */
    View view();

    /**
     * A picture of the state.
     *
     * @param dimensions  the limited dimensions
     * @param pausedUntil when a pause of the whole key ends, or null
     * @param inFlight    reservations not yet settled
     */
    record View(Map<Dimension, QuotaView.DimensionView> dimensions, Instant pausedUntil, int inFlight) {
    }
}
