package dev.pacer.status.functional;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * The figures the browser tests read from {@code /status.json} to check a rendered page against
 * (published in the test-jar with {@link Chromium} and {@link RenderedStatus}, for the gateway's test).
 */
public final class StatusJson {

    private StatusJson() {
    }

    /** Answers over the last 15 minutes, all pools. */
    public static long responses(JsonNode doc) {
        return doc.path("last_15_minutes").path("responses").asLong();
    }

    /** 529s over the last 15 minutes, all pools. */
    public static long overloaded(JsonNode doc) {
        return doc.path("last_15_minutes").path("overloaded").asLong();
    }

    /** Answers over the last 15 minutes in {@code pool} (0 when it is not listed). */
    public static long responses(JsonNode doc, String pool) {
        for (JsonNode p : doc.path("pools")) {
            if (p.path("pool").asText().equals(pool)) {
                return p.path("last_15_minutes").path("responses").asLong();
            }
        }
        return 0;
    }

    /** Answers summed over the pools (a call that fell back is counted in its fallback's pool). */
    public static long pooledResponses(JsonNode doc) {
        long sum = 0;
        for (JsonNode p : doc.path("pools")) {
            sum += p.path("last_15_minutes").path("responses").asLong();
        }
        return sum;
    }

    /** Whether every pool of {@code doc} has a card on {@code page} showing the same count of answers. */
    public static boolean poolsAgree(RenderedStatus page, JsonNode doc) {
        for (JsonNode p : doc.path("pools")) {
            RenderedStatus.Pool card = page.pools().get(p.path("pool").asText());
            if (card == null || card.responses() != p.path("last_15_minutes").path("responses").asLong()) {
                return false;
            }
        }
        return true;
    }
}
