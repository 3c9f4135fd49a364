package dev.pacer.sim.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Locale;
import org.junit.jupiter.api.Test;

class ApiErrorsTest {

    @Test
    void theRateLimitMessageWritesItsFiguresWithCommasWhateverTheServersLocale() {
        Locale before = Locale.getDefault();
        try {
            for (Locale l : new Locale[] {Locale.GERMANY, Locale.FRANCE, Locale.forLanguageTag("hi-IN"), Locale.US}) {
                Locale.setDefault(l);
                assertThat(ApiErrors.rateLimitMessage("organization (o)", 30_000, "input tokens")).as(l.toString())
                        .contains("of 30,000 input tokens per minute");
                assertThat(ApiErrors.thousands(2_000_000)).as(l.toString()).isEqualTo("2,000,000");
            }
        } finally {
            Locale.setDefault(before);
        }
    }
}
