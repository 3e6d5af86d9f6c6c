package dev.replica.api.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ProbeTraceAnswerTest {

    private static ProbeTrace measured(double distance, double noise) {
        return new ProbeTrace("res", List.of("3ff0000000000000"), List.of(Map.of("conv1", "ab")), List.of("cd"))
                .withInexactness(distance, "conv1", noise);
    }

    @Test
    void anAnswerReadsBackAsTheTracesItCarries() {
        List<ProbeTrace> traces = List.of(measured(0.0021, 1.5e-6), measured(-1, 0));
        assertThat(ProbeTrace.readAnswer(ProbeTrace.answerLine(traces))).isEqualTo(traces);
    }

    @Test
    void aNonFiniteDistanceFromFloat64IsAnAnswerToo() {
        // A kernel that overflows gives an infinite distance; the process must still be able to say so.
        List<ProbeTrace> traces =
                List.of(measured(Double.POSITIVE_INFINITY, 1e-6), measured(Double.NaN, Double.NEGATIVE_INFINITY));
        List<ProbeTrace> read = ProbeTrace.readAnswer(ProbeTrace.answerLine(traces));
        assertThat(read.get(0).inexactness()).isEqualTo(Double.POSITIVE_INFINITY);
        assertThat(read.get(1).inexactness()).isNaN();
        assertThat(read.get(1).roundingNoise()).isEqualTo(Double.NEGATIVE_INFINITY);
        assertThat(read.get(0).inexact()).contains("Infinity away from float64");
        assertThat(read.get(1).inexact()).as("NaN is not explained by rounding").isNotNull();
    }

    @Test
    void aRoundingNoiseThatIsNotFiniteExplainsNothing() {
        assertThat(measured(1e-3, 1e-6).inexact()).isNull();
        assertThat(measured(1e-3, Double.POSITIVE_INFINITY).inexact()).isNotNull();
        assertThat(measured(-1, Double.NaN).inexact()).as("not measured").isNull();
    }

    @Test
    void aLineWithoutTheMarkIsNotAnAnswer() {
        assertThatThrownBy(() -> ProbeTrace.readAnswer("[]")).hasMessageContaining("not a probe answer");
    }
}
