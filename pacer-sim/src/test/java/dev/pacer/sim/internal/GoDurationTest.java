package dev.pacer.sim.internal;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class GoDurationTest {

    @Test
    void printsDurationsAsGoDoes() {
        assertThat(GoDuration.format(0)).isEqualTo("0s");
        assertThat(GoDuration.format(0.012)).isEqualTo("12ms");
        assertThat(GoDuration.format(1)).isEqualTo("1s");
        assertThat(GoDuration.format(90.5)).isEqualTo("1m30.5s");
        assertThat(GoDuration.format(360)).isEqualTo("6m0s");
        assertThat(GoDuration.format(3600)).isEqualTo("1h0m0s");
        assertThat(GoDuration.format(1.25)).isEqualTo("1.25s");
        assertThat(GoDuration.format(-3)).isEqualTo("0s");
    }
}
