package dev.pacer.spi;

/** What {@link QuotaState#reserve} answers: a {@link Reservation}, or a {@link Refusal} that says why not and until when. */
public sealed interface ReserveResult permits Reservation, Refusal {
}
