package dev.pacer.spi;

import dev.pacer.quota.Cost;

/**
 * What a {@link QuotaState} granted: {@link #cost()} taken from every limited dimension at once.
 * The store keeps it until it is settled (or released) exactly once; the engine passes it back to
 * the store's {@code sent}, {@code settle} and {@code calibrate}. Implemented by stores.
 */
public non-sealed interface Reservation extends ReserveResult {

    /** What was reserved. */
    Cost cost();
}
