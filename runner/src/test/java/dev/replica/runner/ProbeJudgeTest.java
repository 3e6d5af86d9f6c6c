package dev.replica.runner;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.data.Offset.offset;

import dev.replica.api.engine.ProbeTrace;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The probe's judgement of a float32 step against its float64 and rounding-noise twins, on given numbers. */
class ProbeJudgeTest {

    private static ProbeTrace trace(double loss) {
        ProbeTrace.Recorder r = new ProbeTrace.Recorder("m");
        r.gradient("conv", "c");
        r.endStep(loss, "w");
        return r.trace();
    }

    private static Map<String, double[]> grads(double[] conv, double[] bias) {
        Map<String, double[]> m = new LinkedHashMap<>();
        m.put("conv", conv);
        m.put("bias", bias);
        return m;
    }

    @Test
    void aGradientFarFromFloat64WhileTheNoiseIsSmallIsInexactAndNamed() {
        ProbeTrace t = ProbeProcess.judge(
                trace(2.0),
                grads(new double[] {1.5, 3.0}, new double[] {1, 1}),
                2.0,
                grads(new double[] {1.0, 2.0}, new double[] {1, 1}),
                2.0,
                grads(new double[] {1.5, 3.0}, new double[] {1, 1}));
        assertThat(t.inexactTensor()).isEqualTo("the gradient of conv at step 0");
        assertThat(t.inexactness()).isCloseTo(1.0 / 3, offset(1e-12));
        assertThat(t.inexact()).isNotNull();
    }

    @Test
    void aDifferenceAsLargeAsTheNetworksOwnRoundingNoiseIsNotAFault() {
        ProbeTrace t = ProbeProcess.judge(
                trace(2.0),
                grads(new double[] {1.3, 2.6}, new double[] {1, 1}),
                2.0,
                grads(new double[] {1.0, 2.0}, new double[] {1, 1}),
                2.0,
                grads(new double[] {1.0, 2.0}, new double[] {1, 1}));
        assertThat(t.inexact()).isNull();
    }

    @Test
    void aGradientWhoseExactValueIsZeroIsNotCompared() {
        // float32 holds rounding (1e-7), float64 says 0 to its own rounding (1e-16): not a difference.
        ProbeTrace t = ProbeProcess.judge(
                trace(2.0),
                grads(new double[] {1, 2}, new double[] {1e-7, -1e-7}),
                2.0,
                grads(new double[] {1, 2}, new double[] {1e-16, 0}),
                2.0,
                grads(new double[] {1, 2}, new double[] {1e-7, -1e-7}));
        assertThat(t.inexact()).isNull();
        assertThat(t.inexactTensor()).isEqualTo("the loss of step 0");
    }
}
