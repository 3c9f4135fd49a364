package dev.pacer.sim.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ConformanceMeterTest {

    /** The definition, by brute force over every pair of charges: max over windows of A − (C + r·W), floored at 0. */
    private static double bruteForce(List<double[]> charges, double capacity, double rate) {
        double worst = 0;
        for (int i = 0; i < charges.size(); i++) {
            double sum = 0;
            for (int j = i; j < charges.size(); j++) {
                sum += charges.get(j)[1];
                double window = charges.get(j)[0] - charges.get(i)[0];
                worst = Math.max(worst, sum - capacity - rate * window);
            }
        }
        return worst < 1e-6 ? 0 : worst;
    }

    @Test
    void aStreamThatABucketWouldAdmitIsConformingAndOneThatOverdrawsIsMeasuredExactly() {
        ConformanceMeter meter = new ConformanceMeter(10, 1);
        for (int i = 0; i < 10; i++) {
            meter.record(0, 1);
        }
        meter.record(5, 5);
        assertThat(meter.overadmission()).isZero();
        meter.record(5, 3);
        // From t=0 to t=5: 18 charged against 10 + 1 × 5 = 15.
        assertThat(meter.overadmission()).isCloseTo(3, within(1e-9));
    }

    @Test
    void theOnlineFigureEqualsTheDefinitionOnRandomStreams() {
        Random random = new Random(7);
        for (int run = 0; run < 200; run++) {
            double capacity = 1 + random.nextInt(50);
            double rate = 0.1 + random.nextDouble() * 5;
            ConformanceMeter meter = new ConformanceMeter(capacity, rate);
            List<double[]> charges = new ArrayList<>();
            double t = 0;
            for (int i = 0; i < 60; i++) {
                t += random.nextDouble() < 0.3 ? 0 : random.nextDouble() * 3;
                double amount = random.nextDouble() < 0.1 ? -random.nextInt(5) : random.nextInt(12);
                charges.add(new double[] {t, amount});
                meter.record(t, amount);
            }
            assertThat(meter.overadmission()).as("run " + run).isCloseTo(bruteForce(charges, capacity, rate), within(1e-6));
        }
    }

    @Test
    void newLimitsStartANewSegmentAndKeepWhatWasSeen() {
        ConformanceMeter meter = new ConformanceMeter(5, 1);
        meter.record(0, 8);
        assertThat(meter.overadmission()).isCloseTo(3, within(1e-9));
        meter.rebase(100, 10);
        meter.record(1, 50);
        assertThat(meter.overadmission()).isCloseTo(3, within(1e-9));
    }

    @Test
    void theWindowMaximumSlidesOverTheChargesInsideTheWindow() {
        WindowMax max = new WindowMax(10);
        for (int i = 0; i < 100; i++) {
            max.record(i, 1);
        }
        assertThat(max.max()).isEqualTo(11);
        max.record(100, 50);
        assertThat(max.max()).isEqualTo(60);
    }
}
