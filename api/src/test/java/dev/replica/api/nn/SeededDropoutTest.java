package dev.replica.api.nn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.replica.api.seed.SeedStream;
import org.junit.jupiter.api.Test;

class SeededDropoutTest {

    private final SeededDropout dropout =
            new SeededDropout(0.5, SeedStream.root(0).child("dropout/m/head/1"), () -> 0);

    @Test
    void masksDropTheRateAndScaleTheRest() {
        float[] mask = dropout.mask(3, 100_000);
        int dropped = 0;
        for (float v : mask) {
            if (v == 0f) {
                dropped++;
            } else {
                assertThat(v).isEqualTo(2f);
            }
        }
        assertThat(dropped / 100_000.0).isCloseTo(0.5, within(0.01));
    }

    @Test
    void aStepAlwaysGetsTheSameMaskAndAnotherStepAnother() {
        assertThat(dropout.mask(7, 1000)).isEqualTo(dropout.mask(7, 1000));
        assertThat(dropout.mask(7, 1000)).isNotEqualTo(dropout.mask(8, 1000));
    }

    @Test
    void ratesOutsideTheUnitIntervalAreRejected() {
        assertThatThrownBy(() -> new SeededDropout(1.0, SeedStream.root(0), () -> 0))
                .hasMessage("dropout rate must be in [0, 1): 1.0");
    }
}
