package dev.pacer.redis.internal;

import dev.pacer.quota.Cost;
import dev.pacer.spi.Reservation;

/** A reservation held in Redis, named by its fleet-unique id within its quota. */
final class RedisReservation implements Reservation {

    final Cost cost;
    final String id;
    final long callId;
    final int attempt;

    RedisReservation(Cost cost, String id, long callId, int attempt) {
        this.cost = cost;
        this.id = id;
        this.callId = callId;
        this.attempt = attempt;
    }

    @Override
    public Cost cost() {
        return cost;
    }

    @Override
    public String toString() {
        return "Reservation[" + id + ", " + cost + "]";
    }
}
