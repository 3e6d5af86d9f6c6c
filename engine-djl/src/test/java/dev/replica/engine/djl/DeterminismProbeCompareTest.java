package dev.replica.engine.djl;

import static org.assertj.core.api.Assertions.assertThat;

import dev.replica.api.engine.DeterminismVerdict;
import dev.replica.api.engine.DeterminismVerdict.Outcome;
import dev.replica.api.engine.DeterminismVerdict.Trial;
import dev.replica.api.engine.InstructionSet;
import dev.replica.api.engine.ProbeTrace;
import java.util.List;
import org.junit.jupiter.api.Test;

/** How two probe processes' traces compare, and what the verdict says about them. */
class DeterminismProbeCompareTest {

    private static final double ONE = 2.3;
    private static final double TWO = 2.1;

    @Test
    void equalTracesAreIdenticalAndKeepWhatTheRunMustComputeAgain() {
        Trial t = DeterminismProbe.compare(
                InstructionSet.NATIVE, trace(ONE, TWO, "a", "b", "w"), trace(ONE, TWO, "a", "b", "w"), 1);
        assertThat(t.outcome()).isEqualTo(Outcome.IDENTICAL);
        assertThat(t.describe()).isEqualTo("native: bit-identical");
        assertThat(t.traces())
                .singleElement()
                .satisfies(trace -> assertThat(trace.model()).isEqualTo("m"));
    }

    @Test
    void aGradientThatDiffersIsNamedNearestTheOutputFirst() {
        // Step 1: the gradients of "conv" and "fc" differ; "fc" comes later in forward order, nearer the output.
        Trial t = DeterminismProbe.compare(
                InstructionSet.AVX2, trace(ONE, TWO, "a", "b", "w"), trace(ONE, TWO, "a", "c", "w"), 1);
        assertThat(t.outcome()).isEqualTo(Outcome.DIFFERENT);
        assertThat(t.detail())
                .isEqualTo("first difference in model m, step 1: the gradients of 2 parameters, nearest the output fc");
        assertThat(t.traces()).isEmpty();
    }

    @Test
    void aLossThatDiffersIsAForwardDifference() {
        Trial t = DeterminismProbe.compare(
                InstructionSet.NATIVE, trace(ONE, TWO, "a", "b", "w"), trace(TWO, TWO, "a", "b", "w"), 1);
        assertThat(t.detail()).isEqualTo("first difference in model m, step 0: the loss (forward pass)");
    }

    @Test
    void onlyTheWeightsAfterAnUpdateDiffering() {
        Trial t = DeterminismProbe.compare(
                InstructionSet.NATIVE, trace(ONE, TWO, "a", "b", "w"), trace(ONE, TWO, "a", "b", "v"), 1);
        assertThat(t.outcome()).isEqualTo(Outcome.DIFFERENT);
        assertThat(t.detail()).isEqualTo("first difference in model m, step 1: the weights after the update");
    }

    @Test
    void aNonFiniteLossInEitherProcessIsReportedFirst() {
        assertThat(DeterminismProbe.compare(
                                InstructionSet.NATIVE,
                                trace(ONE, TWO, "a", "b", "w"),
                                trace(ONE, Double.NaN, "a", "b", "w"),
                                1)
                        .detail())
                .isEqualTo("model m: loss NaN at step 1");
        Trial t = DeterminismProbe.compare(
                InstructionSet.NATIVE,
                trace(Double.POSITIVE_INFINITY, TWO, "a", "b", "w"),
                trace(ONE, TWO, "a", "b", "w"),
                1);
        assertThat(t.outcome()).isEqualTo(Outcome.NON_FINITE);
        assertThat(t.detail()).isEqualTo("model m: loss Infinity at step 0");
    }

    @Test
    void theVerdictSaysWhatItPinnedOnWhatAndThatNothingWorked() {
        Trial nativeDiffers = new Trial(InstructionSet.NATIVE, Outcome.DIFFERENT, "first difference in x", 4, false);
        Trial avx2Same = new Trial(InstructionSet.AVX2, Outcome.IDENTICAL, "", 4, true, trace(ONE, TWO, "a", "b", "w"));
        DeterminismVerdict pinned = new DeterminismVerdict(
                "pytorch", 2, InstructionSet.AUTO, InstructionSet.AVX2, List.of(nativeDiffers, avx2Same), "m");
        assertThat(pinned.bitIdentical()).isTrue();
        assertThat(pinned.pinned()).isTrue();
        assertThat(pinned.summary())
                .isEqualTo("pytorch at 2 threads: oneDNN pinned to avx2, the widest setting bit-identical across "
                        + "two fresh processes on m (native: different bits (first difference in x); avx2: "
                        + "bit-identical)");
        assertThat(pinned.expected("m")).isNotNull();
        assertThat(pinned.expected("other")).isNull();
        assertThat(pinned.kernelFault()).isEmpty();

        DeterminismVerdict none = new DeterminismVerdict(
                "mxnet", 1, InstructionSet.NATIVE, InstructionSet.NATIVE, List.of(nativeDiffers), "m");
        assertThat(none.bitIdentical()).isFalse();
        assertThat(none.pinned()).isFalse();
        assertThat(none.expected("m")).isNull();
        assertThat(none.summary())
                .isEqualTo("mxnet at 1 thread: not bit-identical across processes with any setting "
                        + "tried (native: different bits (first difference in x))");

        DeterminismVerdict plain = new DeterminismVerdict(
                "mxnet",
                2,
                InstructionSet.AUTO,
                InstructionSet.NATIVE,
                List.of(new Trial(InstructionSet.NATIVE, Outcome.IDENTICAL, "", 4, false)),
                "m");
        assertThat(plain.pinned()).isFalse();
        assertThat(plain.summary())
                .isEqualTo(
                        "mxnet at 2 threads, instruction sets native: bit-identical across two fresh processes on m");
    }

    @Test
    void aNonFiniteStepOnAWideSettingThatANarrowOneTrainsIsAKernelFault() {
        Trial nativeNan = new Trial(InstructionSet.NATIVE, Outcome.NON_FINITE, "model m: loss NaN at step 1", 4, false);
        Trial avx2Same =
                new Trial(InstructionSet.AVX2, Outcome.IDENTICAL, "", 4, false, trace(ONE, TWO, "a", "b", "w"));
        DeterminismVerdict verdict = new DeterminismVerdict(
                "pytorch", 2, InstructionSet.AUTO, InstructionSet.AVX2, List.of(nativeNan, avx2Same), "m");
        assertThat(verdict.kernelFault())
                .isEqualTo(
                        "a kernel fault: native gave a non-finite or inexact step where avx2 was finite, exact and bit-identical");
        assertThat(verdict.summary()).contains("; a kernel fault: native gave a non-finite or inexact step");
    }

    @Test
    void float32KernelsFarFromFloat64AreInexactEvenWhenBothProcessesAgree() {
        ProbeTrace traced = trace(ONE, TWO, "a", "b", "w").get(0);
        List<ProbeTrace> wrong = List.of(traced.withInexactness(0.3, "the gradient of conv at step 0", 1e-6));
        Trial t = DeterminismProbe.compare(InstructionSet.AVX2, wrong, wrong, 1);
        assertThat(t.outcome()).isEqualTo(Outcome.INEXACT);
        assertThat(t.detail())
                .isEqualTo("model m: float32 is 0.30 away from float64 (relative, the gradient of conv at step 0), "
                        + "more than float32 rounding explains (1e-01, or 10 times the 1.0e-06 that weights moved "
                        + "one ulp give)");
        List<ProbeTrace> right = List.of(traced.withInexactness(2e-3, "x", 1e-7));
        Trial ok = DeterminismProbe.compare(InstructionSet.AVX2, right, right, 1);
        assertThat(ok.outcome()).isEqualTo(Outcome.IDENTICAL);
        assertThat(ok.detail()).isEqualTo("float32 as close to float64 as rounding explains: at most 0.020 of it");
    }

    @Test
    void aNetworkThatAmplifiesRoundingMayBeAsFarFromFloat64AsItsOwnRoundingNoise() {
        // A deep plain net: weights moved one ulp move a gradient by 20%, so 30% from float64 is rounding ...
        ProbeTrace traced = trace(ONE, TWO, "a", "b", "w").get(0);
        List<ProbeTrace> amplified = List.of(traced.withInexactness(0.3, "the gradient of conv at step 0", 0.2));
        assertThat(DeterminismProbe.compare(InstructionSet.AVX2, amplified, amplified, 1)
                        .outcome())
                .isEqualTo(Outcome.IDENTICAL);
        // ... but not more than ten times that.
        List<ProbeTrace> beyond = List.of(traced.withInexactness(0.3, "the gradient of conv at step 0", 0.02));
        assertThat(DeterminismProbe.compare(InstructionSet.AVX2, beyond, beyond, 1)
                        .outcome())
                .isEqualTo(Outcome.INEXACT);
    }

    private static List<ProbeTrace> trace(double loss0, double loss1, String step0Fc, String step1Fc, String weights) {
        ProbeTrace.Recorder r = new ProbeTrace.Recorder("m");
        r.gradient("conv", "c0");
        r.gradient("fc", step0Fc);
        r.endStep(loss0, "w0");
        r.gradient("conv", step1Fc.equals("b") ? "c1" : "c1x");
        r.gradient("fc", step1Fc);
        r.endStep(loss1, weights);
        return List.of(r.trace());
    }
}
