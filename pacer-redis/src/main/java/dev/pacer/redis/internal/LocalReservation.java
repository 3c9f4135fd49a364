package dev.pacer.redis.internal;

import dev.pacer.quota.Cost;
import dev.pacer.spi.Reservation;

/**
 * A reservation granted while Redis did not answer, by the degraded quota that made it; it is settled
 * there even after Redis is back ({@code inner} is null in {@code FAIL_OPEN}: nothing to give back).
 */
final class LocalReservation implements Reservation {

    final DegradedQuota owner;
    final Reservation inner;
    final Cost cost;

    LocalReservation(DegradedQuota owner, Reservation inner, Cost cost) {
        this.owner = owner;
        this.inner = inner;
        this.cost = cost;
    }

    @Override
    public Cost cost() {
        return cost;
    }

    @Override
    public String toString() {
        return "LocalReservation[" + cost + "]";
    }
}
