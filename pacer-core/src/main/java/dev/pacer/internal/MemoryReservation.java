package dev.pacer.internal;

import dev.pacer.quota.Cost;
import dev.pacer.spi.Reservation;

/**
 * A reservation of the {@link InMemoryQuotaState}: a node of its in-flight list, with the order in
 * which its request was sent. Every field but {@code cost} is written under the state's lock.
 */
final class MemoryReservation implements Reservation {

    final Cost cost;
    final long callId;
    final int attempt;
    /** When it was granted, on the state's clock (the model's instant of the grant). */
    final long admittedNanos;
    /** The send order of its request (0: not sent yet). */
    long sentSeq;
    boolean ended;
    MemoryReservation prev;
    MemoryReservation next;

    MemoryReservation(Cost cost, long callId, int attempt, long admittedNanos) {
        this.cost = cost;
        this.admittedNanos = admittedNanos;
        this.callId = callId;
        this.attempt = attempt;
    }

    @Override
    public Cost cost() {
        return cost;
    }

    @Override
    public String toString() {
        return "Reservation[" + cost + "]";
    }
}
