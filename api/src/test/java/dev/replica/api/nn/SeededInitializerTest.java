package dev.replica.api.nn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.types.Shape;
import dev.replica.api.nn.SeededInitializer.Fan;
import dev.replica.api.seed.SeedStream;
import org.junit.jupiter.api.Test;

class SeededInitializerTest {

    private final SeedStream stream = SeedStream.root(0).child("init/test/conv/weight");

    @Test
    void fansFollowPyTorch() {
        Shape conv = new Shape(64, 32, 3, 3);
        assertThat(SeededInitializer.fan(conv, Fan.IN)).isEqualTo(32 * 9);
        assertThat(SeededInitializer.fan(conv, Fan.OUT)).isEqualTo(64 * 9);
        assertThat(SeededInitializer.fanIn(new Shape(10, 512))).isEqualTo(512);
    }

    @Test
    void heNormalHasTheTargetStandardDeviation() {
        Shape shape = new Shape(128, 64, 3, 3);
        for (Fan fan : Fan.values()) {
            float[] w = SeededInitializer.heNormal(stream, fan).sample(shape);
            double target = Math.sqrt(2.0 / SeededInitializer.fan(shape, fan));
            assertThat(std(w)).isCloseTo(target, within(0.02 * target));
            assertThat(mean(w)).isCloseTo(0, within(0.02 * target));
        }
    }

    @Test
    void uniformFanInStaysInsideItsBoundAndFillsIt() {
        Shape shape = new Shape(10, 512);
        float[] w = SeededInitializer.uniformFanIn(stream).sample(shape);
        double bound = 1 / Math.sqrt(512);
        double max = 0;
        for (float v : w) {
            assertThat(Math.abs(v)).isLessThanOrEqualTo((float) bound);
            max = Math.max(max, Math.abs(v));
        }
        assertThat(max).isGreaterThan(0.99 * bound);
        assertThat(std(w)).isCloseTo(bound / Math.sqrt(3), within(0.05 * bound));
    }

    @Test
    void theSameStreamGivesTheSameValuesAndAnotherStreamOthers() {
        Shape shape = new Shape(8, 4, 3, 3);
        float[] a = SeededInitializer.heNormal(stream, Fan.IN).sample(shape);
        float[] b = SeededInitializer.heNormal(stream, Fan.IN).sample(shape);
        float[] c = SeededInitializer.heNormal(SeedStream.root(1).child("init/test/conv/weight"), Fan.IN)
                .sample(shape);
        assertThat(a).isEqualTo(b);
        assertThat(a).isNotEqualTo(c);
    }

    private static double mean(float[] w) {
        double s = 0;
        for (float v : w) {
            s += v;
        }
        return s / w.length;
    }

    private static double std(float[] w) {
        double m = mean(w);
        double s = 0;
        for (float v : w) {
            s += (v - m) * (v - m);
        }
        return Math.sqrt(s / (w.length - 1));
    }
}
